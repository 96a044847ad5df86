// The Gram engine against an independent full-grid implementation, and its structural promises:
// positive semi-definite, K(X, X) == K(X, Y = X), bitwise independent of threads and tile size.
#include <gtest/gtest.h>

#include <cstring>
#include <initializer_list>
#include <random>

#include "reference_kernel.hpp"
#include "rntk/error.hpp"
#include "rntk/gram.hpp"
#include "test_util.hpp"

namespace rntk {
namespace {

using testing::random_set;
using testing::ReferenceKernel;

struct Config {
  Activation activation;
  int layers;
  double sigma_h;
};

std::string name_of(const Config& c) {
  return std::string(activation_name(c.activation)) + "_L" + std::to_string(c.layers) +
         (c.sigma_h > 0 ? "_sh" : "_nosh");
}

bool bitwise_equal(const Matrix& a, const Matrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), a.rows() * a.cols() * sizeof(double)) == 0;
}

// Whether this processor runs an instruction set's tile walk.
bool supported(Simd simd) {
  try {
    Settings s;
    s.engine.simd = simd;
    SequenceSet one(1);
    one.append(std::vector<double>{1.0});
    gram(one.view(), s);
    return true;
  } catch (const Error&) {
    return false;
  }
}

class AgainstReference : public ::testing::TestWithParam<Config> {};

// Random multivariate data with lengths 1..9, including a duplicated sequence (same sample).
TEST_P(AgainstReference, SymmetricAndCrossGramsMatchTheFullGrid) {
  const Config cfg = GetParam();
  const KernelParams p{1.3, 0.9, 0.3, cfg.sigma_h, 1.1, cfg.layers, cfg.activation};
  SequenceSet x = random_set(9, 3, 1, 9, 11);
  x.append(std::span<const double>(x.values().data() + x.offsets()[2] * 3,
                                   x.view().length(2) * 3));  // sequence 9 duplicates sequence 2
  const SequenceSet y = random_set(5, 3, 1, 12, 12);
  const ReferenceKernel reference(p);
  for (const Simd simd : {Simd::kPortable, Simd::kAvx2, Simd::kAvx512}) {
  Settings settings{p, {}, {2, 4}};
  settings.engine.simd = simd;
  if (!supported(simd)) continue;
  SCOPED_TRACE(param_spec("simd").format(static_cast<double>(simd)));

  const GramResult kxx = gram(x.view(), settings);
  const GramResult kxy = gram(x.view(), y.view(), settings);
  auto same = [](SequenceView a, SequenceView b) {
    return a.length() == b.length() &&
           std::equal(a.data(), a.data() + a.length() * a.dim(), b.data());
  };
  for (std::size_t i = 0; i < x.size(); ++i) {
    for (std::size_t j = 0; j < x.size(); ++j) {
      const auto want = reference(x[i], x[j], i == j || same(x[i], x[j]));
      EXPECT_NEAR(kxx.ntk(i, j), want.ntk, 1e-10 * std::abs(want.ntk)) << i << "," << j;
      EXPECT_NEAR(kxx.nngp(i, j), want.nngp, 1e-10 * std::abs(want.nngp)) << i << "," << j;
    }
    for (std::size_t j = 0; j < y.size(); ++j) {
      const auto want = reference(x[i], y[j], false);
      EXPECT_NEAR(kxy.ntk(i, j), want.ntk, 1e-10 * std::abs(want.ntk)) << i << "," << j;
      EXPECT_NEAR(kxy.nngp(i, j), want.nngp, 1e-10 * std::abs(want.nngp)) << i << "," << j;
    }
  }
  // The duplicate is the same sample as sequence 2: its row equals row 2, diagonal included.
  EXPECT_EQ(kxx.ntk(9, 2), kxx.ntk(2, 2));
  if (cfg.sigma_h > 0) {
    const auto distinct = reference(x[2], x[9], false);
    EXPECT_GT(std::abs(kxx.ntk(9, 2) - distinct.ntk), 1e-6) << "sh > 0 must couple a sample to itself";
  }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Configs, AgainstReference,
    ::testing::Values(Config{Activation::kRelu, 1, 0.0}, Config{Activation::kRelu, 2, 0.0},
                      Config{Activation::kRelu, 3, 0.0}, Config{Activation::kRelu, 1, 0.7},
                      Config{Activation::kRelu, 2, 0.7}, Config{Activation::kRelu, 3, 0.7},
                      Config{Activation::kErf, 1, 0.0}, Config{Activation::kErf, 2, 0.0},
                      Config{Activation::kErf, 3, 0.0}, Config{Activation::kErf, 1, 0.7},
                      Config{Activation::kErf, 2, 0.7}, Config{Activation::kErf, 3, 0.7}),
    [](const auto& info) { return name_of(info.param); });

// The kernel family (spec section 4) and the other activations against the full-grid reference.
struct FamilyMember {
  const char* name;
  Activation activation;
  Readout readout;
  bool bidirectional;
  int frozen;
};

class FamilyAgainstReference : public ::testing::TestWithParam<FamilyMember> {};

TEST_P(FamilyAgainstReference, SymmetricAndCrossGramsMatchTheFullGrid) {
  const FamilyMember f = GetParam();
  KernelParams p{1.3, 0.9, 0.3, 0.4, 1.1, 2, f.activation};
  p.readout = f.readout;
  p.bidirectional = f.bidirectional;
  p.frozen_layers = f.frozen;
  p.leaky_slope = 0.2;
  p.quadrature = 12;  // the walk is under test here, not the quadrature (test_activations.cpp)
  SequenceSet x = random_set(7, 2, 1, 8, 31);
  x.append(std::span<const double>(x.values().data() + x.offsets()[3] * 2, x.view().length(3) * 2));  // a duplicate
  const SequenceSet y = random_set(4, 2, 1, 9, 32);
  const ReferenceKernel reference(p);
  for (const Simd simd : {Simd::kPortable, Simd::kAvx512}) {
    if (!supported(simd)) continue;
    Settings settings{p, {}, {2, 3, simd, Precision::kDouble}};
    const GramResult kxx = gram(x.view(), settings);
    const GramResult kxy = gram(x.view(), y.view(), settings);
    for (std::size_t i = 0; i < x.size(); ++i) {
      for (std::size_t j = 0; j < x.size(); ++j) {
        const auto want = reference(x[i], x[j], i == j || (i == 7 && j == 3) || (i == 3 && j == 7));
        EXPECT_NEAR(kxx.ntk(i, j), want.ntk, 1e-10 * std::abs(want.ntk) + 1e-14) << i << "," << j;
        EXPECT_NEAR(kxx.nngp(i, j), want.nngp, 1e-10 * std::abs(want.nngp) + 1e-14) << i << "," << j;
      }
      for (std::size_t j = 0; j < y.size(); ++j) {
        const auto want = reference(x[i], y[j], false);
        EXPECT_NEAR(kxy.ntk(i, j), want.ntk, 1e-10 * std::abs(want.ntk) + 1e-14) << i << "," << j;
        EXPECT_NEAR(kxy.nngp(i, j), want.nngp, 1e-10 * std::abs(want.nngp) + 1e-14) << i << "," << j;
      }
    }
    EXPECT_TRUE(bitwise_equal(kxx.ntk, gram(x.view(), x.view(), settings).ntk)) << "K(X, X) == K(X, Y = X)";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Members, FamilyAgainstReference,
    ::testing::Values(FamilyMember{"relu_mean", Activation::kRelu, Readout::kMean, false, 0},
                      FamilyMember{"erf_mean_frozen", Activation::kErf, Readout::kMean, false, 1},
                      FamilyMember{"relu_steps", Activation::kRelu, Readout::kSteps, false, 0},
                      FamilyMember{"erf_steps_bidirectional", Activation::kErf, Readout::kSteps, true, 0},
                      FamilyMember{"relu_last_bidirectional_frozen", Activation::kRelu, Readout::kLast, true, 1},
                      FamilyMember{"relu_mean_bidirectional", Activation::kRelu, Readout::kMean, true, 0},
                      FamilyMember{"erf_all_frozen", Activation::kErf, Readout::kLast, false, 2},
                      FamilyMember{"identity", Activation::kIdentity, Readout::kLast, false, 0},
                      FamilyMember{"leaky_relu_mean", Activation::kLeakyRelu, Readout::kMean, false, 0},
                      FamilyMember{"tanh", Activation::kTanh, Readout::kLast, false, 0},
                      FamilyMember{"sigmoid_steps", Activation::kSigmoid, Readout::kSteps, false, 0},
                      FamilyMember{"gelu_mean", Activation::kGelu, Readout::kMean, false, 1}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Engine, AllLayersFrozenMakesTheNtkTheNngp) {
  const SequenceSet x = random_set(10, 1, 2, 15, 33);
  KernelParams p{1.4, 1.0, 0.1, 0.0, 1.0, 2, Activation::kRelu};
  p.frozen_layers = 2;
  const GramResult k = gram(x.view(), Settings{p, {}, {}});
  EXPECT_TRUE(bitwise_equal(k.ntk, k.nngp));
}

TEST(Engine, GramMatricesArePositiveSemidefinite) {
  const SequenceSet x = random_set(60, 2, 3, 40, 5);
  for (Activation a : {Activation::kRelu, Activation::kErf}) {
    for (int L : {1, 2, 3}) {
      const GramResult k = gram(x.view(), Settings{{1.4, 1.0, 0.2, 0.3, 1.0, L, a}, {}, {}});
      for (const Matrix* m : {&k.ntk, &k.nngp}) {
        EXPECT_GE(testing::smallest_eigenvalue(*m), -1e-9 * testing::trace(*m))
            << activation_name(a) << " L=" << L;
      }
    }
  }
}

TEST(Engine, CrossGramWithItselfEqualsSymmetricGramBitwise) {
  const SequenceSet x = random_set(37, 2, 1, 30, 6);
  for (Activation a : {Activation::kRelu, Activation::kErf}) {
    const Settings s{{1.3, 1.0, 0.1, 0.5, 1.0, 2, a}, {}, {2, 8}};
    const GramResult sym = gram(x.view(), s);
    const GramResult cross = gram(x.view(), x.view(), s);
    EXPECT_TRUE(bitwise_equal(sym.ntk, cross.ntk));
    EXPECT_TRUE(bitwise_equal(sym.nngp, cross.nngp));
  }
}

TEST(Engine, ResultIsBitwiseIndependentOfThreadsAndTileSize) {
  const SequenceSet x = random_set(45, 3, 1, 50, 7);
  const SequenceSet y = random_set(20, 3, 1, 50, 8);
  const KernelParams p{1.5, 1.0, 0.1, 0.2, 1.0, 2, Activation::kRelu};
  const GramResult base_sym = gram(x.view(), Settings{p, {}, {1, 64}});
  const GramResult base_cross = gram(x.view(), y.view(), Settings{p, {}, {1, 64}});
  for (const EngineOptions e : {EngineOptions{2, 64}, EngineOptions{2, 1}, EngineOptions{2, 7},
                                EngineOptions{1, 16}, EngineOptions{3, 1000}, EngineOptions{2, 0}}) {
    SCOPED_TRACE("threads " + std::to_string(e.threads) + " tile " + std::to_string(e.tile_size));
    const GramResult sym = gram(x.view(), Settings{p, {}, e});
    const GramResult cross = gram(x.view(), y.view(), Settings{p, {}, e});
    EXPECT_TRUE(bitwise_equal(sym.ntk, base_sym.ntk));
    EXPECT_TRUE(bitwise_equal(sym.nngp, base_sym.nngp));
    EXPECT_TRUE(bitwise_equal(cross.ntk, base_cross.ntk));
    EXPECT_TRUE(bitwise_equal(cross.nngp, base_cross.nngp));
  }
}

TEST(Engine, AutomaticTileSizeIs128WhereEveryThreadKeepsEightTiles) {
  EXPECT_EQ(resolve_tile_size(0, 2000, 2000, true, 2), 128u);  // 16 tile rows: 136 tiles
  EXPECT_EQ(resolve_tile_size(0, 2000, 2000, true, 32), 64u);  // 136 < 8 x 32
  EXPECT_EQ(resolve_tile_size(0, 600, 600, true, 2), 64u);     // 5 tile rows: 15 tiles
  EXPECT_EQ(resolve_tile_size(0, 600, 600, false, 2), 128u);   // 25 tiles
  EXPECT_EQ(resolve_tile_size(96, 10, 10, true, 2), 96u);      // an explicit size stays
}

TEST(Engine, SymmetricTilesOfAnyShapeMatchTheWholeMatrix) {
  const SequenceSet x = random_set(20, 1, 1, 15, 9);
  const GramEngine engine(x.view(), Settings{});
  const GramResult whole = engine.compute();
  // Tiles straddling the diagonal with different row and column ranges (engine order), and tiles
  // that start on the diagonal with more rows than columns or the other way round (the walk skips
  // and the engine mirrors only the pairs whose mirror image is in the tile).
  for (const Tile tile : {Tile{2, 9, 5, 12}, Tile{0, 20, 0, 9}, Tile{0, 9, 0, 20}, Tile{3, 20, 3, 12}}) {
    SCOPED_TRACE("tile rows " + std::to_string(tile.row_begin) + ".." + std::to_string(tile.row_end) + " cols " +
                 std::to_string(tile.col_begin) + ".." + std::to_string(tile.col_end));
    const TileResult block = engine.compute_tile(tile);
    const std::vector<double>& ntk = block.ntk.back();
    const std::vector<double>& nngp = block.nngp.back();
    for (std::size_t r = 0; r < tile.rows(); ++r) {
      for (std::size_t c = 0; c < tile.cols(); ++c) {
        const std::size_t i = engine.row_index(tile.row_begin + r), j = engine.col_index(tile.col_begin + c);
        EXPECT_EQ(ntk[r * tile.cols() + c], whole.ntk(i, j)) << r << ", " << c;
        EXPECT_EQ(nngp[r * tile.cols() + c], whole.nngp(i, j)) << r << ", " << c;
      }
    }
  }
}

TEST(Engine, AllDepthsInOnePassEqualShallowerNetworksBitwise) {
  const SequenceSet x = random_set(20, 2, 1, 25, 13);
  const SequenceSet y = random_set(7, 2, 1, 25, 14);
  for (Activation a : {Activation::kRelu, Activation::kErf}) {
    const KernelParams deep{1.3, 0.9, 0.2, 0.4, 1.0, 3, a};
    const GramResult all = gram(x.view(), y.view(), Settings{deep, {}, {}}, {true, true, true});
    ASSERT_EQ(all.ntk_shallower.size(), 2u);
    for (int d = 1; d <= 2; ++d) {
      KernelParams shallow = deep;
      shallow.layers = d;
      const GramResult one = gram(x.view(), y.view(), Settings{shallow, {}, {}});
      EXPECT_TRUE(bitwise_equal(all.ntk_shallower[d - 1], one.ntk)) << d;
      EXPECT_TRUE(bitwise_equal(all.nngp_shallower[d - 1], one.nngp)) << d;
    }
  }
}

// The kernels of `s` in double and in float.
std::pair<GramResult, GramResult> in_double_and_float(const SequenceSet& x, Settings s) {
  s.engine.precision = Precision::kDouble;
  GramResult d = gram(x.view(), s);
  s.engine.precision = Precision::kFloat;
  return {std::move(d), gram(x.view(), s)};
}

// The largest error of a float NTK or NNGP entry relative to the double entry itself (ReLU
// kernels are positive).
double worst_error_per_entry(const GramResult& d, const GramResult& f) {
  double worst = 0.0;
  for (std::size_t i = 0; i < d.ntk.rows(); ++i) {
    for (std::size_t j = 0; j < d.ntk.cols(); ++j) {
      worst = std::max({worst, std::abs(f.ntk(i, j) / d.ntk(i, j) - 1.0), std::abs(f.nngp(i, j) / d.nngp(i, j) - 1.0)});
    }
  }
  return worst;
}

// The largest error of a float NTK or NNGP entry relative to the pair's scale sqrt(K(x, x) K(y, y))
// in double (erf kernels cross zero, so the entry itself is no scale).
double worst_error_per_pair_scale(const GramResult& d, const GramResult& f) {
  double worst = 0.0;
  for (std::size_t i = 0; i < d.ntk.rows(); ++i) {
    for (std::size_t j = 0; j < d.ntk.cols(); ++j) {
      worst = std::max({worst, std::abs(f.ntk(i, j) - d.ntk(i, j)) / std::sqrt(d.ntk(i, i) * d.ntk(j, j)),
                        std::abs(f.nngp(i, j) - d.nngp(i, j)) / std::sqrt(d.nngp(i, i) * d.nngp(j, j))});
    }
  }
  return worst;
}

// A Gaussian random walk of n steps.
std::vector<double> random_walk(std::size_t n, std::mt19937_64& rng, std::normal_distribution<double>& normal) {
  std::vector<double> walk(n);
  double level = 0.0;
  for (double& v : walk) v = level += normal(rng);
  return walk;
}

// Nearly equal long series: the last `lengths` steps of `walk`, divided by 30, with noise of 1e-3.
SequenceSet noisy_copies(const std::vector<double>& walk, std::initializer_list<std::size_t> lengths,
                         std::mt19937_64& rng, std::normal_distribution<double>& normal) {
  SequenceSet x(1);
  for (const std::size_t length : lengths) {
    std::vector<double> copy(walk.end() - static_cast<std::ptrdiff_t>(length), walk.end());
    for (double& v : copy) v = v / 30.0 + 1e-3 * normal(rng);
    x.append(copy);
  }
  return x;
}

// Float arithmetic against double on z-normalised data: the error bound of the float mode.
TEST(Engine, FloatModeStaysWithinItsErrorBound) {
  const SequenceSet x = random_set(40, 2, 50, 300, 15);
  for (Activation a : {Activation::kRelu, Activation::kErf}) {
    for (int L : {1, 3}) {
      const auto [d, f] = in_double_and_float(x, Settings{{1.4142135623730951, 1.0, 0.1, 0.0, 1.0, L, a}, {}, {}});
      const double worst = worst_error_per_pair_scale(d, f);
      EXPECT_LT(worst, 1e-4) << activation_name(a) << " L=" << L;
      EXPECT_GT(worst, 0.0) << "float mode should not be double";
    }
  }
}

// Float ReLU takes its angle from the pairs' distances (src/engine/relu_update.hpp). Long series
// that are nearly equal are where the correlation form failed (6 % on UCR's ACSF1): copies of a
// random walk with a little noise, of different lengths (the pairs start at different steps, from
// the distance of the two previous self states) and an initial state (sigma_h > 0), for the
// last-state, per-step and mean-pooled readouts (the float walk forms V at the last step only, or
// at every step). The correlation form missed this bound by far (3e-2
// here); every entry must be within 1e-4 of double, relative to itself.
TEST(Engine, FloatReluIsAccurateOnLongNearlyEqualSeries) {
  std::mt19937_64 rng(21);
  std::normal_distribution<double> normal;
  const std::vector<double> walk = random_walk(1200, rng, normal);
  const SequenceSet x = noisy_copies(walk, {1200, 1200, 1100, 900}, rng, normal);
  for (const Readout readout : {Readout::kLast, Readout::kSteps, Readout::kMean}) {
    for (const int layers : {1, 2}) {
      KernelParams p{1.4142135623730951, 1.0, 0.1, 0.5, 1.0, layers, Activation::kRelu};
      p.readout = readout;
      const auto [d, f] = in_double_and_float(x, Settings{p, {}, {}});
      EXPECT_LT(worst_error_per_entry(d, f), 1e-4) << static_cast<int>(readout) << " L=" << layers;
    }
  }
}

// The distance form's other regimes: large angles (a series against its negation, independent
// series), where E comes from (q + q')/2 - 2V and vectors mix both forms of E, and variances far
// apart (a series against 3 and 1/9 times itself: q / q' up to ~700 at layer 1), where the
// half-angle from D loses (sqrt rho + 1 / sqrt rho) / 2 units of its last place. Every instruction
// set; every entry within the float mode's bound of double, relative to itself.
TEST(Engine, FloatReluIsAccurateForLargeAnglesAndUnequalVariances) {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal;
  std::vector<double> base(90);
  for (double& v : base) v = normal(rng);
  SequenceSet x(1);
  for (const double factor : {1.0, -1.0, 3.0, 1.0 / 9.0, -2.0}) {
    for (const std::size_t length : {90, 70}) {
      std::vector<double> v(base.end() - static_cast<std::ptrdiff_t>(length), base.end());
      for (double& value : v) value *= factor;
      x.append(v);
    }
  }
  for (int k = 0; k < 8; ++k) {
    std::vector<double> v(80);
    for (double& value : v) value = normal(rng);
    x.append(v);
  }
  for (const Simd simd : {Simd::kPortable, Simd::kAvx2, Simd::kAvx512}) {
    if (!supported(simd)) continue;
    for (const int layers : {1, 3}) {
      for (const double sh : {0.0, 0.5}) {
        Settings s{{1.4142135623730951, 1.0, 0.1, sh, 1.0, layers, Activation::kRelu}, {}, {}};
        s.engine.simd = simd;
        const auto [d, f] = in_double_and_float(x, s);
        EXPECT_LT(worst_error_per_entry(d, f), 1e-4) << param_spec("simd").format(static_cast<double>(simd)) << " L=" << layers << " sh=" << sh;
      }
    }
  }
}

// Float erf carries the pairs' distances too (src/engine/erf_update.hpp): at sigma_w = sqrt(2) its
// recursion passes an error of S on almost undamped, so in the correlation form the roundings of a
// long walk of nearly equal series added up (1.7e-4 of the pair's scale on UCR's ACSF1, 3e-4 and
// 1.3e-3 here at L = 1 and 3). Copies of a random walk with a little noise, of different lengths,
// against its negation, 3 and 1/9 times itself (the direct form of E, rho <= 0, and sines past
// 1/2) and an independent series; the tangent kernel here grows past 2^64 (rescaled walks, where
// only Th is scaled). Every instruction set, the last-state and per-step readouts, and mean
// pooling on shorter copies; every entry within 1e-4 of double, relative to the pair's scale.
TEST(Engine, FloatErfIsAccurateOnLongNearlyEqualSeries) {
  std::mt19937_64 rng(21);
  std::normal_distribution<double> normal;
  const std::vector<double> walk = random_walk(1500, rng, normal);
  const auto series = [&](std::size_t length, std::size_t independent_length) {
    SequenceSet x = noisy_copies(walk, {length, length, length - length / 15, length - length / 4}, rng, normal);
    for (const double factor : {-1.0, 3.0, 1.0 / 9.0}) {
      std::vector<double> v(x[0].data(), x[0].data() + x[0].length());
      for (double& value : v) value *= factor;
      x.append(v);
    }
    std::vector<double> independent(independent_length);
    for (double& v : independent) v = normal(rng);
    x.append(independent);
    return x;
  };
  const SequenceSet x = series(1500, 1300);
  for (const Simd simd : {Simd::kPortable, Simd::kAvx2, Simd::kAvx512}) {
    if (!supported(simd)) continue;
    for (const Readout readout : {Readout::kLast, Readout::kSteps}) {
      for (const int layers : {1, 3}) {
        KernelParams p{1.4142135623730951, 1.0, 0.1, 0.5, 1.0, layers, Activation::kErf};
        p.readout = readout;
        Settings s{p, {}, {}};
        s.engine.simd = simd;
        const auto [d, f] = in_double_and_float(x, s);
        EXPECT_LT(worst_error_per_pair_scale(d, f), 1e-4)
            << param_spec("simd").format(static_cast<double>(simd)) << " " << static_cast<int>(readout) << " L=" << layers;
      }
    }
  }
  KernelParams p{1.4142135623730951, 1.0, 0.1, 0.5, 1.0, 2, Activation::kErf};
  p.readout = Readout::kMean;
  const auto [d, f] = in_double_and_float(series(300, 260), Settings{p, {}, {}});
  EXPECT_LT(worst_error_per_pair_scale(d, f), 1e-4) << "mean pooling";
}

TEST(Engine, EveryInstructionSetAndPrecisionIsBitwiseIndependentOfThreadsAndTiles) {
  const SequenceSet x = random_set(30, 3, 1, 40, 16);
  for (const Simd simd : {Simd::kPortable, Simd::kAvx2, Simd::kAvx512}) {
    if (!supported(simd)) continue;
    for (const Precision precision : {Precision::kDouble, Precision::kFloat}) {
      for (const Activation a : {Activation::kErf, Activation::kRelu}) {  // float ReLU: the distance form
        Settings s{{1.3, 1.0, 0.1, 0.2, 1.0, 2, a}, {}, {1, 64, simd, precision}};
        const GramResult base = gram(x.view(), s);
        s.engine = {2, 5, simd, precision};
        const GramResult other = gram(x.view(), s);
        EXPECT_TRUE(bitwise_equal(base.ntk, other.ntk));
        EXPECT_TRUE(bitwise_equal(base.nngp, other.nngp));
      }
    }
  }
}

TEST(Engine, PaddedArrayViewedWithEndsEqualsTheContiguousSet) {
  const SequenceSet x = random_set(9, 2, 1, 12, 17);
  // The same sequences in a 9 x 12 x 2 array, each followed by NaN padding.
  const std::size_t T = 12;
  std::vector<double> padded(9 * T * 2, std::nan(""));
  std::vector<std::int64_t> offsets(9), ends(9);
  for (std::size_t i = 0; i < 9; ++i) {
    std::copy(x[i].data(), x[i].data() + x[i].length() * 2, padded.begin() + static_cast<std::ptrdiff_t>(i * T * 2));
    offsets[i] = static_cast<std::int64_t>(i * T);
    ends[i] = offsets[i] + static_cast<std::int64_t>(x[i].length());
  }
  const SequenceSetView view(padded.data(), offsets.data(), 9, 2, ends.data());
  const GramResult a = gram(view, Settings{});
  const GramResult b = gram(x.view(), Settings{});
  EXPECT_TRUE(bitwise_equal(a.ntk, b.ntk));
  EXPECT_TRUE(bitwise_equal(a.nngp, b.nngp));
  EXPECT_EQ(copy(view).values(), x.values());
}

TEST(Engine, SelectingOneKernelGivesTheSameValues) {
  const SequenceSet x = random_set(10, 1, 2, 10, 10);
  const GramResult both = gram(x.view(), Settings{});
  const GramResult ntk = gram(x.view(), Settings{}, {true, false});
  const GramResult nngp = gram(x.view(), Settings{}, {false, true});
  EXPECT_TRUE(bitwise_equal(ntk.ntk, both.ntk));
  EXPECT_TRUE(nngp.ntk.empty());
  EXPECT_TRUE(bitwise_equal(nngp.nngp, both.nngp));
}

TEST(Engine, ZeroInputsWithoutBiasGiveZeroKernelsNotNaN) {
  SequenceSet x(2);
  x.append(std::vector<double>(10, 0.0));  // 5 zero steps
  x.append(std::vector<double>(6, 0.0));   // 3 zero steps
  x.append(std::vector<double>{1.0, -1.0, 0.5, 0.5});
  for (Activation a : {Activation::kRelu, Activation::kErf}) {
    for (const Precision precision : {Precision::kDouble, Precision::kFloat}) {
      Settings s{{1.4, 1.0, 0.0, 0.0, 1.0, 2, a}, {}, {}};
      s.engine.precision = precision;
      const GramResult k = gram(x.view(), s);
      for (std::size_t i = 0; i < 3; ++i) {
        for (std::size_t j = 0; j < 3; ++j) {
          EXPECT_TRUE(std::isfinite(k.ntk(i, j)) && std::isfinite(k.nngp(i, j))) << i << "," << j;
          if (i < 2 && j < 2) {
            EXPECT_EQ(k.ntk(i, j), 0.0);
            EXPECT_EQ(k.nngp(i, j), 0.0);
          }
        }
      }
    }
  }
}

TEST(Engine, OverflowIsAnErrorNamingSigmaW) {
  SequenceSet x(1);
  x.append(std::vector<double>(800, 1.0));
  x.append(std::vector<double>(700, -1.0));
  try {
    gram(x.view(), Settings{{4.0, 1.0, 0.1, 0.0, 1.0, 1, Activation::kRelu}, {}, {}});
    FAIL() << "expected an overflow error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::kNumeric);
    EXPECT_NE(std::string(e.what()).find("lower sigma_w (now 4)"), std::string::npos) << e.what();
  }
}

TEST(Engine, CrossGramRejectsDifferentDimensions) {
  const SequenceSet x = random_set(3, 2, 1, 5, 1);
  const SequenceSet y = random_set(3, 3, 1, 5, 2);
  EXPECT_THROW(gram(x.view(), y.view(), Settings{}), Error);
}

TEST(Engine, InvalidSetsAndParametersAreRejectedBeforeWork) {
  const SequenceSet x = random_set(3, 1, 1, 5, 1);
  Settings bad;
  bad.kernel.sigma_u = -0.5;
  try {
    gram(x.view(), bad);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "parameter sigma_u = -0.5 is out of range: allowed [0, 1000]");
  }
  std::vector<double> values{1.0, std::nan(""), 2.0};
  std::vector<std::int64_t> offsets{0, 1, 3};
  const SequenceSetView with_nan(values.data(), offsets.data(), 2, 1);
  try {
    gram(with_nan, Settings{});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sequence 1, time step 0, channel 0"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace rntk
