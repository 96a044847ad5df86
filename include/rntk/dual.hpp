// Dual activations (spec section 2). For the 2x2 covariance K = [[k11, k12], [k12, k22]] of two
// pre-activations (u, v):  V[K] = E[phi(u) phi(v)]  and  V'[K] = E[phi'(u) phi'(v)].
//
// This header has what the per-sequence pass needs: the duals of one sample at one time step, where
// the correlation is exactly 1 (the spec's exact-lambda rule: rounding it to 1 - 1e-16 would cost
// ~1e-8 relative error in V'), and the per-sequence norm the pair duals use. The pair duals, for
// two different samples, are in the vectorised tile walk (src/engine/tile_walk.hpp).
#pragma once

#include <cmath>
#include <numbers>

#include "rntk/params.hpp"

namespace rntk {

struct DualValues {
  double v;   // V[K]
  double dv;  // V'[K]
};

// The per-sequence norm each pair dual needs: sqrt(k) for ReLU, sqrt(1 + 2k) for erf.
inline double dual_norm(Activation a, double k) {
  return a == Activation::kRelu ? std::sqrt(k) : std::sqrt(1.0 + 2.0 * k);
}

// ReLU, lam = 1: V = k / 2, V' = 1 / 2.
inline DualValues relu_dual_self(double k) { return {0.5 * k, 0.5}; }

// erf, k11 = k22 = k12 = k: V = (2/pi) asin(2k / (1 + 2k)), V' = (4/pi) / sqrt(1 + 4k) (the
// cancellation-free form of spec section 5 with rho = 1).
inline DualValues erf_dual_self(double k) {
  constexpr double kTwoOverPi = 2.0 / std::numbers::pi;
  return {kTwoOverPi * std::asin(2.0 * k / (1.0 + 2.0 * k)), 2.0 * kTwoOverPi / std::sqrt(1.0 + 4.0 * k)};
}

inline DualValues dual_self(Activation a, double k) {
  return a == Activation::kRelu ? relu_dual_self(k) : erf_dual_self(k);
}

}  // namespace rntk
