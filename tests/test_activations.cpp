// Dual activations: the quadrature against the closed forms, and the sampled user activation.
#include <gtest/gtest.h>

#include <cmath>

#include "rntk/activations.hpp"

namespace rntk {
namespace {

KernelParams with(Activation a) {
  KernelParams p;
  p.activation = a;
  p.leaky_slope = 0.3;
  return p;
}

// Covariances of the scale of z-normalised data's pre-activations, correlations from -1 to 1
// (exactly 1 included). The quadrature converges exponentially in its order; for much larger
// variances steep activations need a higher order (docs/KERNELS.md).
std::vector<std::array<double, 3>> covariances() {
  std::vector<std::array<double, 3>> out;
  for (const double k11 : {0.05, 0.5, 2.0}) {
    for (const double k22 : {0.3, 1.5}) {
      for (const double rho : {-1.0, -0.97, -0.4, 0.0, 0.25, 0.8, 0.999, 1.0}) {
        out.push_back({k11, rho * std::sqrt(k11 * k22), k22});
      }
    }
  }
  return out;
}

class QuadratureEqualsClosedForm : public ::testing::TestWithParam<Activation> {};

TEST_P(QuadratureEqualsClosedForm, AtTheDefaultOrder) {
  const KernelParams p = with(GetParam());
  const Duals closed(p), quadrature(p, true);
  for (const auto& [k11, k12, k22] : covariances()) {
    const DualValues a = closed.pair(k11, k12, k22), b = quadrature.pair(k11, k12, k22);
    const double scale = std::sqrt(k11 * k22);
    EXPECT_NEAR(b.v, a.v, 1e-8 * scale) << k11 << " " << k12 << " " << k22;
    EXPECT_NEAR(b.dv, a.dv, 1e-8) << k11 << " " << k12 << " " << k22;
  }
  for (const double k : {1e-3, 0.5, 3.0, 40.0}) {
    EXPECT_NEAR(quadrature.self(k).v, closed.self(k).v, 1e-8 * k);
    EXPECT_NEAR(quadrature.self(k).dv, closed.self(k).dv, 1e-8);
  }
}

INSTANTIATE_TEST_SUITE_P(ClosedForms, QuadratureEqualsClosedForm,
                         ::testing::Values(Activation::kRelu, Activation::kErf, Activation::kIdentity,
                                           Activation::kLeakyRelu),
                         [](const auto& info) { return std::string(activation_name(info.param)); });

TEST(Duals, ZeroVarianceIsFinite) {
  for (Activation a : {Activation::kRelu, Activation::kErf, Activation::kTanh, Activation::kGelu, Activation::kLeakyRelu}) {
    const Duals d(with(a));
    for (const DualValues v : {d.pair(0.0, 0.0, 2.0), d.pair(0.0, 0.0, 0.0), d.self(0.0)}) {
      EXPECT_TRUE(std::isfinite(v.v) && std::isfinite(v.dv)) << activation_name(a);
    }
  }
  // tanh: u = 0 makes V = tanh(0) E[tanh(v)] = 0 and V' = E[tanh'(v)].
  EXPECT_EQ(Duals(with(Activation::kTanh)).pair(0.0, 0.0, 2.0).v, 0.0);
}

TEST(SampledActivation, MatchesTheFunctionItSamples) {
  const int n = 4001;
  std::vector<double> phi(n), dphi(n);
  for (int i = 0; i < n; ++i) {
    const double z = -10.0 + 20.0 * i / (n - 1);
    phi[i] = std::tanh(z);
    dphi[i] = 1.0 - std::tanh(z) * std::tanh(z);
  }
  KernelParams sampled = with(Activation::kCustom);
  sampled.custom = std::make_shared<SampledActivation>(-10.0, 10.0, phi, dphi);
  const Duals a(sampled), b(with(Activation::kTanh));
  for (const auto& [k11, k12, k22] : covariances()) {
    EXPECT_NEAR(a.pair(k11, k12, k22).v, b.pair(k11, k12, k22).v, 1e-7);
    EXPECT_NEAR(a.pair(k11, k12, k22).dv, b.pair(k11, k12, k22).dv, 1e-5);
  }
  EXPECT_NEAR(sampled.custom->phi(0.123456), std::tanh(0.123456), 1e-10);
  // Linear beyond the samples, with the last sampled slope.
  EXPECT_DOUBLE_EQ(sampled.custom->phi(25.0), std::tanh(10.0) + 15.0 * (1.0 - std::tanh(10.0) * std::tanh(10.0)));
}

}  // namespace
}  // namespace rntk
