// Dual activations (spec section 2). For the 2x2 covariance K = [[k11, k12], [k12, k22]] of two
// pre-activations (u, v):  V[K] = E[phi(u) phi(v)]  and  V'[K] = E[phi'(u) phi'(v)].
//
// Two entry points per activation: `*_dual` for two different samples, which takes each side's
// variance with a per-sequence precomputed norm (so a cell costs no extra square root), and
// `*_dual_self` for one sample at one time step, where the correlation is exactly 1 (the spec's
// exact-lambda rule: rounding it to 1 - 1e-16 would cost ~1e-8 relative error in V').
#pragma once

#include <algorithm>
#include <cmath>
#include <numbers>

#include "rntk/params.hpp"

namespace rntk {

struct DualValues {
  double v;   // V[K]
  double dv;  // V'[K]
};

// The per-sequence norm each dual needs: sqrt(k) for ReLU, sqrt(1 + 2k) for erf.
inline double dual_norm(Activation a, double k) {
  return a == Activation::kRelu ? std::sqrt(k) : std::sqrt(1.0 + 2.0 * k);
}

// ReLU, arc-cosine kernels of degree 1 (V) and 0 (V'). lam = k12 / sqrt(k11 k22) clipped to [-1, 1];
// a zero variance makes lam 0/0, defined here as 0 (then V = 0, V' = 1/4) so no NaN appears.
inline DualValues relu_dual(double k12, double norm1, double norm2) {
  constexpr double kInvTwoPi = 0.5 / std::numbers::pi;
  const double c = norm1 * norm2;
  const double lam = c > 0.0 ? std::clamp(k12 / c, -1.0, 1.0) : 0.0;
  const double angle_left = std::numbers::pi - std::acos(lam);
  return {c * (lam * angle_left + std::sqrt(1.0 - lam * lam)) * kInvTwoPi,
          angle_left * kInvTwoPi};
}

inline DualValues relu_dual_self(double k) { return {0.5 * k, 0.5}; }

// erf: V = (2/pi) asin(2 k12 / sqrt((1 + 2 k11)(1 + 2 k22))),
//      V' = (4/pi) / sqrt((1 + 2 k11)(1 + 2 k22) - 4 k12^2).
// V' is evaluated as 1 + 2 (k11 + k22) + 4 k11 k22 (1 - rho^2), rho^2 = k12^2 / (k11 k22) clipped to
// [0, 1], because the textbook form cancels catastrophically for large variances (spec section 5).
inline DualValues erf_dual(double k12, double k11, double norm1, double k22, double norm2) {
  constexpr double kTwoOverPi = 2.0 / std::numbers::pi;
  const double arg = std::clamp(2.0 * k12 / (norm1 * norm2), -1.0, 1.0);
  const double prod = k11 * k22;
  const double rho2 = prod > 0.0 ? std::min(1.0, k12 * k12 / prod) : 0.0;
  const double det = 1.0 + 2.0 * (k11 + k22) + 4.0 * prod * (1.0 - rho2);
  return {kTwoOverPi * std::asin(arg), 2.0 * kTwoOverPi / std::sqrt(det)};
}

inline DualValues erf_dual_self(double k) {
  constexpr double kTwoOverPi = 2.0 / std::numbers::pi;
  return {kTwoOverPi * std::asin(2.0 * k / (1.0 + 2.0 * k)), 2.0 * kTwoOverPi / std::sqrt(1.0 + 4.0 * k)};
}

inline DualValues dual(Activation a, double k12, double k11, double norm1, double k22,
                       double norm2) {
  return a == Activation::kRelu ? relu_dual(k12, norm1, norm2)
                                : erf_dual(k12, k11, norm1, k22, norm2);
}

inline DualValues dual_self(Activation a, double k) {
  return a == Activation::kRelu ? relu_dual_self(k) : erf_dual_self(k);
}

}  // namespace rntk
