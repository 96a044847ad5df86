// Bitwise determinism (issue 9): the same output whatever the run, thread count or tile size.
// test_engine.cpp already checks the last-state ReLU Gram over threads 1-3 and tile sizes, and
// every instruction set and precision; test_distributed.cpp the tile-by-tile files. This adds the
// other readouts, bidirectional networks, all depths at once, thread counts up to 7, rescaled long
// sequences (docs/DESIGN.md, "Numerics: long sequences"), classify, and the CLI's .npy bytes. Rank
// counts under MPI are checked by tests/mpi/run_mpi_tests.sh (ctest Mpi.LoopbackRanks).
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "rntk/gram.hpp"
#include "rntk/model.hpp"
#include "rntk/selection.hpp"
#include "test_util.hpp"

namespace rntk {
namespace {

namespace fs = std::filesystem;
using testing::random_set;

bool same_bits(const Matrix& a, const Matrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), a.rows() * a.cols() * sizeof(double)) == 0;
}

void expect_same_bits(const GramResult& a, const GramResult& b) {
  EXPECT_TRUE(same_bits(a.ntk, b.ntk));
  EXPECT_TRUE(same_bits(a.nngp, b.nngp));
  ASSERT_EQ(a.ntk_shallower.size(), b.ntk_shallower.size());
  for (std::size_t d = 0; d < a.ntk_shallower.size(); ++d) {
    EXPECT_TRUE(same_bits(a.ntk_shallower[d], b.ntk_shallower[d])) << "depth " << d + 1;
    EXPECT_TRUE(same_bits(a.nngp_shallower[d], b.nngp_shallower[d])) << "depth " << d + 1;
  }
  EXPECT_EQ(a.ntk_scale.row, b.ntk_scale.row);
  EXPECT_EQ(a.ntk_scale.col, b.ntk_scale.col);
  EXPECT_EQ(a.nngp_scale.row, b.nngp_scale.row);
}

struct Variant {
  const char* name;
  KernelParams kernel;
  std::size_t max_length;  // mean pooling walks the whole grid: shorter sequences
};

std::vector<Variant> variants() {
  KernelParams last{1.5, 1.0, 0.1, 0.3, 1.0, 3, Activation::kRelu};
  KernelParams bidirectional{1.3, 0.9, 0.2, 0.5, 1.0, 2, Activation::kErf};
  bidirectional.bidirectional = true;
  KernelParams mean{1.4142135623730951, 1.0, 0.1, 0.0, 1.0, 2, Activation::kRelu};
  mean.readout = Readout::kMean;
  KernelParams steps{1.2, 1.1, 0.1, 0.2, 1.0, 2, Activation::kLeakyRelu};
  steps.readout = Readout::kSteps;
  steps.frozen_layers = 1;
  return {{"last_relu_L3", last, 40}, {"bidirectional_erf_L2", bidirectional, 40}, {"mean_relu_L2", mean, 12},
          {"steps_leaky_frozen", steps, 40}};
}

// Every variant, NTK and NNGP of every depth, K(X, X) and K(X, Y) of ragged data: repeated runs,
// threads 1, 2, 3, 7 and tile sizes that do and do not divide the 29 rows.
TEST(Determinism, GramIsBitwiseEqualAcrossRunsThreadsAndTiles) {
  for (const Variant& v : variants()) {
    SCOPED_TRACE(v.name);
    const SequenceSet x = random_set(29, 2, 1, v.max_length, 31);
    const SequenceSet y = random_set(11, 2, 1, v.max_length, 32);
    const KernelSelection all{true, true, true};
    const Settings base{v.kernel, {}, {1, 64}};
    const GramResult sym = gram(x.view(), base, all), cross = gram(x.view(), y.view(), base, all);
    ASSERT_EQ(sym.ntk_shallower.size(), static_cast<std::size_t>(v.kernel.layers - 1));
    expect_same_bits(gram(x.view(), base, all), sym);  // a second run
    for (const int threads : {1, 2, 3, 7}) {
      for (const int tile : {1, 4, 7, 29, 64}) {
        SCOPED_TRACE("threads " + std::to_string(threads) + " tile " + std::to_string(tile));
        const Settings s{v.kernel, {}, {threads, tile}};
        expect_same_bits(gram(x.view(), s, all), sym);
        expect_same_bits(gram(x.view(), y.view(), s, all), cross);
      }
    }
  }
}

// Rescaled walks: sequences up to 3,000 steps at sigma_w = 1.6 (values past 1e300, carried divided
// by powers of two) mixed with short ones that are not rescaled, so tiles hold both kinds of pair.
// Scaled values and their scales, ReLU (everything rescaled) and erf (only Th rescaled).
TEST(Determinism, RescaledLongSequencesAreBitwiseEqualAcrossThreadsAndTiles) {
  const SequenceSet x = random_set(13, 1, 5, 3000, 33);
  for (const Activation a : {Activation::kRelu, Activation::kErf}) {
    SCOPED_TRACE(activation_name(a));
    const KernelParams p{a == Activation::kRelu ? 1.6 : 2.5, 1.0, 0.1, 0.0, 1.0, 2, a};
    const KernelSelection scaled{true, true, true, true};
    const GramResult base = gram(x.view(), Settings{p, {}, {1, 64}}, scaled);
    int largest = 0;
    for (const int e : base.ntk_scale.row) largest = std::max(largest, e);
    ASSERT_GT(largest, 100) << "the data should need rescaling";
    for (const EngineOptions e : {EngineOptions{2, 1}, EngineOptions{3, 4}, EngineOptions{7, 5}}) {
      SCOPED_TRACE("threads " + std::to_string(e.threads) + " tile " + std::to_string(e.tile_size));
      expect_same_bits(gram(x.view(), Settings{p, {}, e}, scaled), base);
    }
  }
}

// Two classes of ragged series: a bump early or late.
Dataset classes(std::size_t n, std::uint64_t seed) {
  const SequenceSet noise = random_set(n, 1, 20, 35, seed);
  Dataset d{SequenceSet(1), {}, "generated"};
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<double> v(noise[i].data(), noise[i].data() + noise[i].length());
    const std::size_t at = i % 2 ? v.size() - 6 : 2;
    for (std::size_t t = at; t < at + 4; ++t) v[t] = 0.3 * v[t] + 3.0;
    d.sequences.append(v);
    d.labels.push_back(i % 2 ? "late" : "early");
  }
  return d;
}

// Model selection and prediction: the same scores, choice and predictions whatever the run or
// thread count.
TEST(Determinism, ClassifyChoosesAndPredictsTheSameAcrossRunsAndThreads) {
  const Dataset train = classes(30, 41), test = classes(16, 42);
  const Grid grid = parse_grid("kernel = ntk, nngp; layers = 1, 2; sigma_w = 1.2, 1.6; C = 0.1, 10", "test");
  std::vector<Candidate> first_candidates;
  std::size_t first_best = 0;
  std::vector<std::string> first_labels;
  for (const int threads : {1, 1, 2, 3, 7}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    Settings base;
    base.engine.threads = threads;
    const Selection s = select_and_fit(train, grid.points(base));
    const Prediction p = s.model.predict(test.sequences.view());
    if (first_candidates.empty()) {
      first_candidates = s.candidates;
      first_best = s.best;
      first_labels = p.labels;
      continue;
    }
    ASSERT_EQ(s.candidates.size(), first_candidates.size());
    for (std::size_t c = 0; c < s.candidates.size(); ++c) {
      EXPECT_EQ(std::memcmp(&s.candidates[c].cv_score, &first_candidates[c].cv_score, sizeof(double)), 0) << c;
    }
    EXPECT_EQ(s.best, first_best);
    EXPECT_EQ(p.labels, first_labels);
  }
  // Not a degenerate problem: the chosen model separates the classes.
  std::size_t right = 0;
  for (std::size_t i = 0; i < test.labels.size(); ++i) right += first_labels[i] == test.labels[i];
  EXPECT_GE(right, 14u);
}

std::string bytes_of(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// `rntk gram` writes the same .npy bytes for every thread count and tile size.
TEST(Determinism, CliNpyBytesAreEqualAcrossThreadsAndTiles) {
  const fs::path dir = fs::temp_directory_path() / "rntk_determinism_cli";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const SequenceSet x = random_set(17, 1, 3, 30, 43);
  std::ofstream data(dir / "x.tsv");
  for (std::size_t i = 0; i < x.size(); ++i) {
    data << (i % 3);
    for (std::size_t t = 0; t < x[i].length(); ++t) data << '\t' << x[i].data()[t];
    data << '\n';
  }
  data.close();
  std::string first_ntk, first_nngp;
  for (const auto& [threads, tile] : std::vector<std::pair<int, int>>{{1, 64}, {2, 3}, {3, 5}, {7, 16}, {1, 64}}) {
    SCOPED_TRACE("threads " + std::to_string(threads) + " tile " + std::to_string(tile));
    const fs::path out = dir / "K.npy";
    const std::string command = std::string(RNTK_CLI) + " gram " + (dir / "x.tsv").string() +
                                " --kernel both -L 2 --sigma-w 1.5 -q --threads " + std::to_string(threads) +
                                " --tile-size " + std::to_string(tile) + " -o " + out.string() + " 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    const std::string ntk = bytes_of(dir / "K.ntk.npy"), nngp = bytes_of(dir / "K.nngp.npy");
    ASSERT_GT(ntk.size(), 17u * 17u * 8u);
    if (first_ntk.empty()) {
      first_ntk = ntk;
      first_nngp = nngp;
      continue;
    }
    EXPECT_EQ(ntk, first_ntk);
    EXPECT_EQ(nngp, first_nngp);
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace rntk
