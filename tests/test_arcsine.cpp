// The engine's polynomial arc-sine and arc-cosine (src/engine/arcsine.hpp) against long double, in
// the precisions the tile walk uses them in: the error bounds its comment states.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "engine/arcsine.hpp"

namespace rntk::engine {
namespace {

// A one-lane "vector" with the operations arcsine.hpp uses (fused multiply-add, as the SIMD types).
template <class Scalar>
struct OneLane {
  using T = Scalar;
  using R = Scalar;
  static R set1(T x) { return x; }
  static R add(R a, R b) { return a + b; }
  static R sub(R a, R b) { return a - b; }
  static R mul(R a, R b) { return a * b; }
  static R fma(R a, R b, R c) { return std::fma(a, b, c); }
  static R fnma(R a, R b, R c) { return std::fma(-a, b, c); }
  static R max(R a, R b) { return a > b ? a : b; }
  static R sqrt(R a) { return std::sqrt(a); }
  static R abs(R a) { return std::fabs(a); }
  static R select_lt(R a, R b, R x, R y) { return a < b ? x : y; }
  static bool all_lt(R a, R b) { return a < b; }
};

template <class Scalar>
double worst_twice_asin_of_sqrt_error() {
  double worst = 0.0;
  for (int i = 0; i <= 200000; ++i) {
    const Scalar r = static_cast<Scalar>(0.5L * i / 200000);
    const long double want = 2 * std::asin(std::sqrt(static_cast<long double>(r)));
    const long double got = twice_asin_of_sqrt<OneLane<Scalar>>(r);
    if (want > 0) worst = std::max(worst, static_cast<double>(std::fabs(got - want) / want));
  }
  return worst;
}

template <class Scalar>
double worst_arc_cosine_error() {
  double worst = 0.0;
  for (int i = -200000; i <= 200000; ++i) {
    const Scalar lam = static_cast<Scalar>(static_cast<long double>(i) / 200000);
    const long double want = std::acos(static_cast<long double>(lam));
    const long double got = arc_cosine<OneLane<Scalar>>(lam);
    if (want > 0) worst = std::max(worst, static_cast<double>(std::fabs(got - want) / want));
  }
  return worst;
}

// arc_sine on [-1, 1], relative to asin itself: float erf's distance form takes the arc-sines of
// small differences, so the error must stay relative near 0 (a 2^-40 argument included).
template <class Scalar>
double worst_arc_sine_error() {
  double worst = 0.0;
  for (int i = -200000; i <= 200000; ++i) {
    for (const long double scale : {1.0L, 0x1p-40L}) {
      const Scalar s = static_cast<Scalar>(scale * i / 200000);
      const long double want = std::asin(static_cast<long double>(s));
      const long double got = arc_sine<OneLane<Scalar>>(s);
      if (want != 0) worst = std::max(worst, static_cast<double>(std::fabs(got - want) / std::fabs(want)));
    }
  }
  return worst;
}

TEST(Arcsine, PolynomialsMeetTheirStatedErrorBounds) {
  EXPECT_LT(worst_twice_asin_of_sqrt_error<double>(), 1e-15);
  EXPECT_LT(worst_twice_asin_of_sqrt_error<float>(), 2e-7);
  EXPECT_LT(worst_arc_cosine_error<double>(), 1e-15);
  EXPECT_LT(worst_arc_cosine_error<float>(), 3e-7);
  EXPECT_EQ(arc_cosine<OneLane<double>>(1.0), 0.0);  // exactly: the self pairs' correlation
  EXPECT_EQ(twice_asin_of_sqrt<OneLane<double>>(0.5), std::numbers::pi / 2);  // correlation 0
  EXPECT_EQ(twice_asin_of_sqrt<OneLane<float>>(0.5f), std::numbers::pi_v<float> / 2);
  EXPECT_LT(worst_arc_sine_error<double>(), 1e-15);
  EXPECT_LT(worst_arc_sine_error<float>(), 3e-7);
  EXPECT_EQ(arc_sine<OneLane<double>>(0.0), 0.0);
  // A rounding just past 1 gives pi/2, not NaN.
  EXPECT_FLOAT_EQ(arc_sine<OneLane<float>>(1.0f + 1e-7f), std::numbers::pi_v<float> / 2);
  EXPECT_FLOAT_EQ(arc_sine<OneLane<float>>(-1.0f - 1e-7f), -std::numbers::pi_v<float> / 2);
}

}  // namespace
}  // namespace rntk::engine
