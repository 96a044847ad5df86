// Long sequences (docs/DESIGN.md, "Numerics: long sequences"). With ReLU and sigma_w above sqrt(2)
// the kernels grow like (sigma_w^2 / 2)^T and leave double's range near T = 2,800 at sigma_w = 1.6;
// the engine carries each sequence's values divided by a power of two, so the cosine-normalised
// kernel stays finite at any length and the unnormalised one is exact wherever it is representable.
// Checked here against a plain long-double walk of the spec recursion (range to 1e4932).
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "rntk/error.hpp"
#include "rntk/gram.hpp"
#include "rntk/kernels.hpp"
#include "rntk/preprocess.hpp"
#include "reference_kernel.hpp"
#include "test_util.hpp"

namespace rntk {
namespace {

using Real = long double;

// The spec's section 3 recursion for ReLU and erf in long double, written independently of the
// engine: per pair, one walk along the diagonal that ends at both last steps, with the
// self-variances of each sequence computed first. Returns {NTK, NNGP} of the top layer.
struct LongValue {
  Real ntk, nngp;
};

class LongDoubleKernel {
 public:
  explicit LongDoubleKernel(const KernelParams& p) : p_(p) {}

  LongValue operator()(SequenceView x, SequenceView y, bool same) const {
    const std::vector<std::vector<Real>> qx = variances(x), qy = variances(y);
    const std::size_t L = static_cast<std::size_t>(p_.layers);
    const std::size_t n = std::min(x.length(), y.length());
    const std::size_t ox = x.length() - n, oy = y.length() - n;  // aligned at the last step
    const Real sw2 = sq(p_.sigma_w), su2 = sq(p_.sigma_u), sb2 = sq(p_.sigma_b), sh2 = sq(p_.sigma_h);
    std::vector<Real> S(L, 0), Th(L, 0), prev_S(L, 0), prev_Th(L, 0);
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t t = ox + k, u = oy + k;
      for (std::size_t l = 0; l < L; ++l) {
        Real recurrent = 0, recurrent_th = 0;
        if (k > 0) {
          recurrent = sw2 * V(qx[l][t - 1], prev_S[l], qy[l][u - 1], same);
          recurrent_th = sw2 * Vd(qx[l][t - 1], prev_S[l], qy[l][u - 1], same) * prev_Th[l];
        } else if (same && t == 0) {
          recurrent = sw2 * sh2;
        }
        Real input = 0, input_th = 0;
        if (l == 0) {
          for (std::size_t d = 0; d < x.dim(); ++d) input += Real(x.step(t)[d]) * Real(y.step(u)[d]);
          input *= su2 / Real(x.dim());
        } else {
          input = su2 * V(qx[l - 1][t], S[l - 1], qy[l - 1][u], same);
          input_th = su2 * Vd(qx[l - 1][t], S[l - 1], qy[l - 1][u], same) * Th[l - 1];
        }
        S[l] = recurrent + input + sb2;
        Th[l] = S[l] + recurrent_th + input_th;
      }
      prev_S = S;
      prev_Th = Th;
    }
    const Real a = qx[L - 1][x.length() - 1], b = qy[L - 1][y.length() - 1];
    const Real sv2 = sq(p_.sigma_v);
    const Real v = V(a, S[L - 1], b, same);
    return {sv2 * (v + Vd(a, S[L - 1], b, same) * Th[L - 1]), sv2 * v};
  }

 private:
  static Real sq(double s) { return Real(s) * Real(s); }

  std::vector<std::vector<Real>> variances(SequenceView x) const {
    const std::size_t L = static_cast<std::size_t>(p_.layers);
    std::vector<std::vector<Real>> q(L, std::vector<Real>(x.length()));
    for (std::size_t t = 0; t < x.length(); ++t) {
      for (std::size_t l = 0; l < L; ++l) {
        const Real recurrent =
            sq(p_.sigma_w) * (t == 0 ? sq(p_.sigma_h) : V(q[l][t - 1], q[l][t - 1], q[l][t - 1], true));
        Real input = 0;
        if (l == 0) {
          for (std::size_t d = 0; d < x.dim(); ++d) input += Real(x.step(t)[d]) * Real(x.step(t)[d]);
          input *= sq(p_.sigma_u) / Real(x.dim());
        } else {
          input = sq(p_.sigma_u) * V(q[l - 1][t], q[l - 1][t], q[l - 1][t], true);
        }
        q[l][t] = recurrent + input + sq(p_.sigma_b);
      }
    }
    return q;
  }

  // The dual activations of spec section 2; `same`: one sample at one time (correlation exactly 1).
  Real V(Real k11, Real k12, Real k22, bool same) const {
    const Real pi = std::numbers::pi_v<Real>;
    if (p_.activation == Activation::kRelu) {
      const Real c = std::sqrt(k11 * k22);
      const Real lam = same ? Real(1) : std::clamp(k12 / c, Real(-1), Real(1));
      return c * (lam * (pi - std::acos(lam)) + std::sqrt(1 - lam * lam)) / (2 * pi);
    }
    return 2 / pi * std::asin(2 * (same ? k11 : k12) / std::sqrt((1 + 2 * k11) * (1 + 2 * k22)));
  }
  Real Vd(Real k11, Real k12, Real k22, bool same) const {
    const Real pi = std::numbers::pi_v<Real>;
    if (p_.activation == Activation::kRelu) {
      const Real lam = same ? Real(1) : std::clamp(k12 / std::sqrt(k11 * k22), Real(-1), Real(1));
      return (pi - std::acos(lam)) / (2 * pi);
    }
    const Real rho2 = same ? Real(1) : std::min(Real(1), k12 * k12 / (k11 * k22));
    return 4 / pi / std::sqrt(1 + 2 * (k11 + k22) + 4 * k11 * k22 * (1 - rho2));
  }

  KernelParams p_;
};

// Z-normalised series of lengths T, 0.9 T and 0.7 T (ragged, so pairs of different lengths are
// aligned at their last step): a random one, a smooth one, and another random one.
SequenceSet long_set(std::size_t T) {
  std::mt19937_64 rng(2027);
  std::normal_distribution<double> normal;
  SequenceSet raw(1);
  const std::size_t lengths[] = {T, T * 9 / 10, T * 7 / 10};
  for (int s = 0; s < 3; ++s) {
    std::vector<double> v(lengths[s]);
    for (std::size_t t = 0; t < v.size(); ++t) v[t] = s == 1 ? std::sin(0.003 * static_cast<double>(t)) : normal(rng);
    raw.append(v);
  }
  return z_normalise(raw.view());
}

KernelParams params(Activation a, double sw, int layers) {
  KernelParams p;
  p.activation = a;
  p.sigma_w = sw;
  p.layers = layers;
  return p;
}

// The cosine-normalised Gram matrix as classify computes it.
Matrix normalised(const SequenceSet& x, const KernelParams& p, KernelType kernel) {
  Settings s{p, {}, {}};
  s.model.kernel = kernel;
  s.model.cosine = true;
  return kernel_matrices({s}, x.view(), nullptr, 0).front();
}

TEST(LongSequences, HundredThousandStepsGiveFiniteNormalisedKernels) {
  const SequenceSet x = long_set(100000);
  for (const Activation a : {Activation::kRelu, Activation::kErf}) {
    for (const double sw : {1.4142, 1.5, 1.6}) {
      for (const int layers : {1, 3}) {
        for (const KernelType kernel : {KernelType::kNtk, KernelType::kNngp}) {
          SCOPED_TRACE(std::string(activation_name(a)) + " sw " + std::to_string(sw) + " L " + std::to_string(layers) +
                       " " + kernel_name(kernel));
          const Matrix k = normalised(x, params(a, sw, layers), kernel);
          for (std::size_t i = 0; i < 3; ++i) {
            EXPECT_EQ(k(i, i), 1.0);
            for (std::size_t j = 0; j < 3; ++j) {
              EXPECT_TRUE(std::isfinite(k(i, j)));
              EXPECT_LE(std::abs(k(i, j)), 1.0 + 1e-12);
            }
          }
        }
      }
    }
  }
}

// The normalised Gram at T = 10,000 (ReLU values up to ~1e1070) against the long-double walk.
TEST(LongSequences, NormalisedGramMatchesLongDoubleAtTenThousandSteps) {
  const SequenceSet x = long_set(10000);
  for (const Activation a : {Activation::kRelu, Activation::kErf}) {
    for (const double sw : {1.4142135623730951, 1.6}) {
      for (const int layers : {1, 3}) {
        const KernelParams p = params(a, sw, layers);
        const LongDoubleKernel reference(p);
        std::vector<std::vector<LongValue>> r(3, std::vector<LongValue>(3));
        for (std::size_t i = 0; i < 3; ++i) {
          for (std::size_t j = 0; j < 3; ++j) r[i][j] = reference(x[i], x[j], i == j);
        }
        const Matrix ntk = normalised(x, p, KernelType::kNtk), nngp = normalised(x, p, KernelType::kNngp);
        double worst = 0.0, least = 1.0;
        for (std::size_t i = 0; i < 3; ++i) {
          for (std::size_t j = 0; j < 3; ++j) {
            const Real want_ntk = r[i][j].ntk / std::sqrt(r[i][i].ntk * r[j][j].ntk);
            const Real want_nngp = r[i][j].nngp / std::sqrt(r[i][i].nngp * r[j][j].nngp);
            worst = std::max({worst, static_cast<double>(std::abs(ntk(i, j) - want_ntk)),
                              static_cast<double>(std::abs(nngp(i, j) - want_nngp))});
            least = std::min({least, std::abs(ntk(i, j)), std::abs(nngp(i, j))});
          }
        }
        EXPECT_LT(worst, 1e-8) << activation_name(a) << " sw " << sw << " L " << layers;
        // The check has teeth: some pairs are far from 1 (and the values were past 1e308 for ReLU).
        EXPECT_LT(least, 0.99);
      }
    }
  }
}

// Where the unnormalised kernel is still representable (ReLU, sigma_w = 1.6, T = 2,000: ~1e214),
// the rescaled walk gives it to full precision.
TEST(LongSequences, UnnormalisedKernelIsExactWhereRepresentable) {
  const SequenceSet x = long_set(2000);
  for (const int layers : {1, 2}) {
    const KernelParams p = params(Activation::kRelu, 1.6, layers);
    const LongDoubleKernel reference(p);
    const GramResult g = gram(x.view(), Settings{p, {}, {}});
    for (std::size_t i = 0; i < 3; ++i) {
      for (std::size_t j = 0; j < 3; ++j) {
        const LongValue want = reference(x[i], x[j], i == j);
        EXPECT_GT(g.ntk(i, j), 1e100);
        EXPECT_NEAR(g.ntk(i, j) / static_cast<double>(want.ntk), 1.0, 1e-9) << i << "," << j;
        EXPECT_NEAR(g.nngp(i, j) / static_cast<double>(want.nngp), 1.0, 1e-9) << i << "," << j;
      }
    }
  }
}

// Rescaling starts once values pass 2^64; at 150-300 steps and sigma_w = 1.6 (ReLU, values to
// ~1e32) or 2.5 (erf, whose Th grows ~1.4 per step) every readout, bidirectional and frozen layers
// go through the rescaled walks, and still agree with the plain full-grid reference in double.
TEST(LongSequences, RescaledWalksMatchTheFullGridReferenceForEveryVariant) {
  const SequenceSet x = testing::random_set(5, 2, 150, 300, 2028);
  const SequenceSet y = testing::random_set(3, 2, 150, 300, 2029);
  for (const Activation a : {Activation::kRelu, Activation::kErf}) {
    for (const Readout readout : {Readout::kLast, Readout::kMean, Readout::kSteps}) {
      for (const bool bidirectional : {false, true}) {
        KernelParams p = params(a, a == Activation::kRelu ? 1.6 : 2.5, 2);
        p.readout = readout;
        p.bidirectional = bidirectional;
        p.frozen_layers = readout == Readout::kSteps ? 1 : 0;
        p.sigma_h = 0.4;
        SCOPED_TRACE(std::string(activation_name(a)) + " readout " + std::to_string(static_cast<int>(readout)) +
                     (bidirectional ? " bidirectional" : ""));
        const testing::ReferenceKernel reference(p);
        const GramResult kxx = gram(x.view(), Settings{p, {}, {}});
        const GramResult kxy = gram(x.view(), y.view(), Settings{p, {}, {}});
        EXPECT_GT(kxx.ntk(0, 0), a == Activation::kRelu ? 1e20 : 1e15) << "the walk should be rescaled";
        for (std::size_t i = 0; i < x.size(); ++i) {
          for (std::size_t j = 0; j < x.size() + y.size(); ++j) {
            const bool in_x = j < x.size();
            const SequenceView other = in_x ? x[j] : y[j - x.size()];
            const testing::ReferenceValue want = reference(x[i], other, in_x && i == j);
            const double ntk = in_x ? kxx.ntk(i, j) : kxy.ntk(i, j - x.size());
            const double nngp = in_x ? kxx.nngp(i, j) : kxy.nngp(i, j - x.size());
            EXPECT_NEAR(ntk, want.ntk, 1e-9 * std::abs(want.ntk)) << i << "," << j;
            EXPECT_NEAR(nngp, want.nngp, 1e-9 * std::abs(want.nngp) + 1e-14) << i << "," << j;
          }
        }
      }
    }
  }
}

std::string error_text(const Settings& s, const SequenceSet& x) {
  try {
    gram(x.view(), s);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::kNumeric);
    return e.what();
  }
  ADD_FAILURE() << "expected an overflow error";
  return "";
}

// Unnormalised kernels past double's range: ReLU at T = 10,000, and erf's NTK at T = 100,000 (its
// tangent part grows once sigma_w^2 V' > 1). The error names sigma_w and the normalised kernel,
// which stays finite.
TEST(LongSequences, OverflowOfTheUnnormalisedKernelNamesSigmaWAndCosine) {
  const std::pair<Activation, std::size_t> cases[] = {{Activation::kRelu, 10000}, {Activation::kErf, 100000}};
  for (const auto& [a, T] : cases) {
    const std::string what = error_text(Settings{params(a, 1.6, 1), {}, {}}, long_set(T));
    EXPECT_NE(what.find("lower sigma_w (now 1.6)"), std::string::npos) << what;
    EXPECT_NE(what.find("cosine = true"), std::string::npos) << what;
  }
}

// GELU's V grows like ReLU's but is not homogeneous, so it is not rescaled (only Th is): at
// sigma_w = 4 (~8 per step) S itself overflows, and no normalisation helps: the error names sigma_w.
TEST(LongSequences, OverflowThatRescalingCannotAvoidNamesSigmaW) {
  KernelParams p = params(Activation::kGelu, 4.0, 1);
  p.quadrature = 8;
  const std::string what = error_text(Settings{p, {}, {}}, long_set(500));
  EXPECT_NE(what.find("lower sigma_w (now 4)"), std::string::npos) << what;
  EXPECT_EQ(what.find("cosine = true"), std::string::npos) << what;
}

}  // namespace
}  // namespace rntk
