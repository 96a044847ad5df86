// Nystrom kernel machines (include/rntk/nystrom.hpp): with every training sequence as a landmark
// they are exact kernel ridge, in cross-validation and in prediction; K(X, Z) by row blocks equals
// the whole matrix bitwise; k-means++ spreads its landmarks over well separated groups; on UCR sets
// a few hundred landmarks come within 2 points of the exact machine.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <stdexcept>
#include <sstream>

#include "rntk/error.hpp"
#include "rntk/kernels.hpp"
#include "rntk/model.hpp"
#include "rntk/nystrom.hpp"
#include "rntk/preprocess.hpp"
#include "test_util.hpp"

namespace rntk {
namespace {

Settings ridge_settings(KernelType kernel, Task task) {
  Settings s;
  s.model.kernel = kernel;
  s.model.task = task;
  s.model.learner = Learner::kRidge;
  s.model.alpha = 1e-2;
  s.kernel.layers = 2;
  s.engine.threads = 2;
  return s;
}

// Ragged sequences with a numeric target (the mean of the last five steps) and a class (its sign).
Dataset labelled(std::size_t count, std::uint64_t seed, Task task) {
  Dataset d;
  d.sequences = testing::random_set(count, 1, 8, 30, seed);
  for (std::size_t i = 0; i < count; ++i) {
    const SequenceView s = d.sequences[i];
    double mean = 0;
    for (std::size_t t = s.length() - 5; t < s.length(); ++t) mean += s.data()[t] / 5;
    d.labels.push_back(task == Task::kRegression ? std::to_string(mean) : (mean > 0 ? "up" : "down"));
  }
  return d;
}

TEST(Nystrom, EveryTrainingSequenceAsLandmarkPredictsWhatExactKernelRidgePredicts) {
  const Dataset train = labelled(60, 1, Task::kRegression), test = labelled(25, 2, Task::kRegression);
  for (const KernelType kernel : {KernelType::kNtk, KernelType::kNngp}) {
    Settings exact = ridge_settings(kernel, Task::kRegression);
    Settings nystrom = exact;
    nystrom.model.nystrom = 1000;  // more than the training set: all of it
    const Prediction want = Model::fit(train, exact).predict(test.sequences.view());
    const Model model = Model::fit(train, nystrom);
    EXPECT_EQ(model.support_size(), 60u);
    const Prediction got = model.predict(test.sequences.view());
    double scale = 0;
    for (double v : want.values) scale = std::max(scale, std::abs(v));
    for (std::size_t i = 0; i < want.values.size(); ++i) EXPECT_NEAR(got.values[i], want.values[i], 1e-8 * scale) << i;
  }
}

TEST(Nystrom, EveryTrainingSequenceAsLandmarkCrossValidatesLikeExactKernelRidge) {
  const Dataset train = labelled(50, 3, Task::kRegression);
  std::vector<Settings> exact, nystrom;
  for (const KernelType kernel : {KernelType::kNtk, KernelType::kNngp}) {
    for (const double alpha : {1e-4, 1e-2, 1.0}) {
      Settings s = ridge_settings(kernel, Task::kRegression);
      s.model.alpha = alpha;
      s.model.repeats = 2;
      exact.push_back(s);
      s.model.nystrom = 50;
      nystrom.push_back(s);
    }
  }
  const std::vector<Candidate> want = cross_validate(train, exact);
  const Selection got = nystrom_select_and_fit(train, nystrom, local_cluster());
  ASSERT_EQ(got.candidates.size(), want.size());
  for (std::size_t p = 0; p < want.size(); ++p) {
    ASSERT_EQ(got.candidates[p].repeat_scores.size(), 2u);
    for (std::size_t r = 0; r < 2; ++r) {
      EXPECT_NEAR(got.candidates[p].repeat_scores[r], want[p].repeat_scores[r], 1e-9 * std::abs(want[p].repeat_scores[r])) << p;
    }
  }
  EXPECT_EQ(got.best, best_candidate(want));
}

// One process posing as rank 0 of three that gets every unit of work: the row-block path of
// distributed_cross_kernels without MPI (tests/mpi/run_mpi_tests.sh runs real ranks).
class AllWorkCluster : public Cluster {
 public:
  int rank() const override { return 0; }
  int size() const override { return 3; }
  std::unique_ptr<WorkCounter> make_counter() override { return local_cluster().make_counter(); }
  void barrier() override {}
  void sum(std::span<double>) override {}
  std::vector<double> gather(const std::vector<double>& values) override { return values; }
  std::string broadcast(const std::string& text) override { return text; }
  std::unique_ptr<SharedFile> open_shared(const std::string&, bool) override { throw std::logic_error("unused"); }
  [[noreturn]] void abort(int, const std::string&) override { std::abort(); }
};

TEST(Nystrom, CrossKernelsByRowBlocksEqualTheWholeMatrixBitwise) {
  AllWorkCluster cluster;
  const SequenceSet x = testing::random_set(1000, 2, 3, 20, 4);  // blocks of 256 rows, the last one short
  const SequenceSet z = testing::random_set(7, 2, 5, 25, 5);
  Settings ntk = ridge_settings(KernelType::kNtk, Task::kClassification);
  ntk.kernel.bidirectional = true;
  Settings nngp = ntk;
  nngp.model.kernel = KernelType::kNngp;
  const SequenceSetView zv = z.view();
  const std::vector<Matrix> want = kernel_matrices({ntk, nngp}, x.view(), &zv, 25);
  const std::vector<Matrix> got = distributed_cross_kernels({ntk, nngp}, x.view(), zv, 25, cluster);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(got[0] == want[0]);
  EXPECT_TRUE(got[1] == want[1]);
}

// Three groups far apart in the kernel's feature space: a sine, a ramp and a square wave, each
// with noise small enough that a group is a point compared to the distances between groups.
SequenceSet three_groups(std::size_t per_group, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0.0, 0.001);
  SequenceSet set(1);
  for (int group = 0; group < 3; ++group) {
    for (std::size_t i = 0; i < per_group; ++i) {
      std::vector<double> v(40);
      for (std::size_t t = 0; t < v.size(); ++t) {
        const double u = static_cast<double>(t) / 40.0;
        const double clean = group == 0 ? std::sin(6.283 * u) : group == 1 ? u : (t / 10) % 2 ? 1.0 : -1.0;
        v[t] = clean + noise(rng);
      }
      set.append(v);
    }
  }
  return set;
}

TEST(Nystrom, KmeansPlusPlusTakesOneLandmarkFromEachSeparatedGroup) {
  const SequenceSet raw = three_groups(30, 6);
  Settings s = ridge_settings(KernelType::kNtk, Task::kClassification);
  s.model.nystrom = 3;
  s.model.landmarks = LandmarkMethod::kKmeansPlusPlus;
  const SequenceSet x = prepare(raw.view(), s.model);
  for (int seed = 0; seed < 5; ++seed) {
    s.model.seed = seed;
    const Landmarks l = choose_landmarks(s, {s}, x.view(), 40, local_cluster());
    std::set<std::size_t> groups;
    for (std::size_t i : l.indices) groups.insert(i / 30);
    EXPECT_EQ(groups.size(), 3u) << "seed " << seed;
    // The cross kernels it computed on the way are K(X, Z) of the landmarks in their order.
    const SequenceSet z = subset(x.view(), l.indices);
    const SequenceSetView zv = z.view();
    EXPECT_TRUE(l.cross.at(0) == kernel_matrices({s}, x.view(), &zv, 40)[0]);
  }
}

TEST(Nystrom, LandmarksAreDistinctSeededAndAtMostTheTrainingSet) {
  const SequenceSet x = testing::random_set(50, 1, 5, 10, 7);
  for (const LandmarkMethod method : {LandmarkMethod::kUniform, LandmarkMethod::kKmeansPlusPlus}) {
    Settings s = ridge_settings(KernelType::kNngp, Task::kClassification);
    s.model.landmarks = method;
    for (const int m : {1, 17, 50, 80}) {
      s.model.nystrom = m;
      const Landmarks a = choose_landmarks(s, {s}, x.view(), 10, local_cluster());
      EXPECT_EQ(a.indices.size(), static_cast<std::size_t>(std::min(m, 50)));
      EXPECT_EQ(std::set<std::size_t>(a.indices.begin(), a.indices.end()).size(), a.indices.size());
      EXPECT_EQ(choose_landmarks(s, {s}, x.view(), 10, local_cluster()).indices, a.indices);
    }
    s.model.nystrom = 10;
    const auto first = choose_landmarks(s, {s}, x.view(), 10, local_cluster()).indices;
    s.model.seed = 1;
    EXPECT_NE(choose_landmarks(s, {s}, x.view(), 10, local_cluster()).indices, first);
  }
}

TEST(Nystrom, ModelFileRoundTripPredictsTheSame) {
  const Dataset train = labelled(80, 8, Task::kClassification), test = labelled(30, 9, Task::kClassification);
  Settings s = ridge_settings(KernelType::kNtk, Task::kClassification);
  s.model.nystrom = 20;
  s.model.landmarks = LandmarkMethod::kKmeansPlusPlus;
  const Model model = Model::fit(train, s);
  EXPECT_EQ(model.support_size(), 20u);
  std::stringstream file;
  model.save(file);
  const Model loaded = Model::load(file, "nystrom model");
  EXPECT_EQ(loaded.predict(test.sequences.view()).labels, model.predict(test.sequences.view()).labels);
  EXPECT_EQ(loaded.settings().model.nystrom, 20);
}

TEST(Nystrom, NeedsTheRidgeLearner) {
  Settings s;
  s.model.nystrom = 10;
  try {
    validate(s);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::kParameter);
    EXPECT_NE(std::string(e.what()).find("learner = ridge"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace rntk
