// Accuracy on real data: the tuned RNTK family (NTK or NNGP chosen by cross-validation over the
// default grid) against the published 1-nearest-neighbour Euclidean accuracies of the UCR archive
// (Dau et al. 2019), on the sets in ../shared/data/ucr.
#include <gtest/gtest.h>

#include <filesystem>

#include "rntk/model.hpp"
#include "rntk/selection.hpp"

namespace rntk {
namespace {

const std::filesystem::path kArchive = std::filesystem::path(RNTK_SOURCE_DIR) / ".." / "shared" / "data" / "ucr";

struct Published {
  const char* name;
  double one_nn_euclidean;
};

class UcrAccuracy : public ::testing::TestWithParam<Published> {};

TEST_P(UcrAccuracy, TunedRntkFamilyReachesOneNearestNeighbourEuclideanMinusFourPoints) {
  const Published p = GetParam();
  const std::filesystem::path dir = kArchive / p.name;
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "no " << dir;
  const Dataset train = read_sequences((dir / (std::string(p.name) + "_TRAIN.tsv")).string());
  const Dataset test = read_sequences((dir / (std::string(p.name) + "_TEST.tsv")).string());
  const Selection s = select_and_fit(train, default_grid("rntk").points(Settings{}));
  const double acc = accuracy(s.model.predict(test.sequences.view()).labels, test.labels);
  RecordProperty("test_accuracy", std::to_string(acc));
  std::printf("%s: test accuracy %.4f (1-NN Euclidean %.3f), chosen %s\n", p.name, acc, p.one_nn_euclidean,
              describe(s.candidates[s.best].settings).c_str());
  EXPECT_GE(acc, p.one_nn_euclidean - 0.04);
}

INSTANTIATE_TEST_SUITE_P(Archive, UcrAccuracy,
                         ::testing::Values(Published{"GunPoint", 0.913}, Published{"ECG200", 0.880},
                                           Published{"ItalyPowerDemand", 0.955},
                                           Published{"SyntheticControl", 0.880}, Published{"Coffee", 1.000}),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace rntk
