// The ReLU cell update, one pass over the lanes of a tile row (relu_update). The angle theta
// between the two pre-activations comes from its half-angle, u = sin^2(theta/2), as 2 asin(sqrt u)
// (through min(u, 1 - u)) with the polynomial of arcsine.hpp; u comes from the correlation,
// (1 - lam) / 2, or, in the distance form (float, unrescaled walks: the tile walk decides), from
// the pairs' squared distance, which the walk then carries.
//
// Why the distance form: near correlation 1 the arc-cosine is ill-conditioned. Rounding S (or lam =
// S / sqrt(q q')) by one unit in the last place moves acos(lam) by about sqrt(2 eps): 3e-4 in
// float, and the NTK's tangent recursion multiplies one V' = (pi - theta) / 2pi per step, so on
// long, highly correlated series the float kernel was off by up to 6 % (docs/PERFORMANCE.md). The distance of the two
// pre-activations, D = E[(h - h')^2] = q + q' - 2 S, is small exactly where the angle is, and it
// has its own recursion without cancellation, so it keeps its relative accuracy and with it the
// angle's:
//
//   D^l_{t,t'} = sw^2 E^l_{t-1,t'-1} + su^2 E^(l-1)_{t,t'}       (layer 1: (su^2/m) |x_t - x'_t'|^2)
//   E = E[(phi(h) - phi(h'))^2] = V_q + V_q' - 2 V = D/2 - (c/pi) (sin theta - theta cos theta)
//
// with c = sqrt(q q'), V_q = q/2 for ReLU, and the half-angle from
//   sin^2(theta/2) = (c - S) / 2c = (D - (sqrt q - sqrt q')^2) / 4c.
// Both terms of E are positive and the second is smaller than the first by a factor ~ theta, so
// E loses nothing either. The walk still carries V (what the NNGP reads out and the tangent term
// needs); only the angle comes from D. A pair's E starts at V_q + V_q' of the two previous steps
// (sigma_h^2 for an initial state), as V starts at 0 (starting_distance).
//
// The half-angle from D is the accurate one when the two variances are close, (sqrt q - sqrt q')^2
// < c (a ratio q / q' within about 2.6^2), which is where correlations near 1 occur; far apart,
// D - (sqrt q - sqrt q')^2 cancels and the correlation's 1 - lam is the better one, so each lane
// takes the better of the two. Rescaled walks (SelfCell::scale, values past 2^64) carry the
// correlation form alone: their rows and columns sit at different scales, where the square root of
// the scales' ratio is not a power of two.
#pragma once

#include <cstddef>
#include <numbers>
#include <type_traits>

#include "arcsine.hpp"
#include "rntk/recursion.hpp"

namespace rntk::engine {

// sin(theta) - theta cos(theta) for theta in [0, pi]: its Taylor series below 0.5 (where the
// difference cancels; truncated where the next term is below the precision: 4 terms in float,
// 8 in double, truncation < 5e-9 and < 1e-17 relative), the formula above (cancellation at most a
// factor 12).
template <class V>
inline typename V::R sine_minus_theta_cosine(typename V::R theta, typename V::R sine, typename V::R cosine) {
  using T = typename V::T;
  static constexpr double kTerms[] = {1.0 / 3.0,        -1.0 / 30.0,         1.0 / 840.0,          -1.0 / 45360.0,
                                      1.0 / 3991680.0, -1.0 / 518918400.0, 1.0 / 93405312000.0, -1.0 / 22230464256000.0};
  constexpr int terms = std::is_same_v<T, float> ? 4 : 8;
  const auto z = V::mul(theta, theta);
  auto p = V::set1(static_cast<T>(kTerms[terms - 1]));
  for (int k = terms - 2; k >= 0; --k) p = V::fma(p, z, V::set1(static_cast<T>(kTerms[k])));
  const auto series = V::mul(V::mul(p, z), theta);
  return V::select_lt(theta, V::set1(T(0.5)), series, V::fnma(theta, cosine, sine));
}

// Whether a walk carries the distance form: ReLU in float, unrescaled (`rescaled`: a sequence of
// the walk has SelfCell::scale != 0). Double's correlation form is accurate to ~2e-8 in the angle
// already, and rescaled walks cannot use the distance form (above).
template <class T>
constexpr bool uses_distance_form(Activation activation, bool rescaled) {
  return std::is_same_v<T, float> && activation == Activation::kRelu && !rescaled;
}

// E of a pair at the cell where its walk starts: V_q + V_q' of the two steps before it (null:
// before the first step, an initial state of variance sh2).
inline double starting_distance(const SelfCell* row_before, const SelfCell* col_before, double sh2) {
  return (row_before ? row_before->v : sh2) + (col_before ? col_before->v : sh2);
}

// One ReLU layer of one tile row at one step: as layer_update_for (tile_walk.hpp; `x` is its
// LayerLanes) for S, Th, V and V' Th, in one pass over the lanes (the arc-sine is a polynomial,
// arcsine.hpp). Distance: also E, the half-angle from D where the variances are close; `x.e` holds
// E of the previous cell on entry and of this cell on return, `x.below_e` the layer below's E at
// this cell (null for layer 1, which reads `x.input_distance`, (su^2/m) |x - x'|^2 per lane).
// Otherwise the half-angle is (1 - lam) / 2. Rescaled: sb^2 per lane from `x.bias` (the pair's
// scale; ReLU is homogeneous, so nothing else changes).
template <class V, bool Distance, bool Rescaled, class Lanes>
inline void relu_update(const Lanes& x, const SelfCell& row, const typename V::T* col_norm,
                        const typename V::T* col_inv_norm, std::size_t lanes, const Coefficients& c, bool frozen) {
  using T = typename V::T;
  const auto sw2 = V::set1(static_cast<T>(c.sw2));
  const auto su2 = V::set1(static_cast<T>(c.su2));
  const auto sb2 = V::set1(static_cast<T>(c.sb2));
  const auto rnorm = V::set1(static_cast<T>(row.norm));
  const auto quarter_rinv = V::set1(static_cast<T>(0.25 * row.inv_norm));
  const auto half_rinv = V::set1(static_cast<T>(0.5 * row.inv_norm));
  const auto zero = V::set1(T(0)), half = V::set1(T(0.5)), one = V::set1(T(1));
  const auto pi = V::set1(std::numbers::pi_v<T>);
  const auto inv_pi = V::set1(std::numbers::inv_pi_v<T>);
  const auto inv_two_pi = V::set1(static_cast<T>(0.5 * std::numbers::inv_pi));
  for (std::size_t j = 0; j < lanes; j += V::W) {
    // S and Th (spec section 3).
    const auto in_v = x.below_v ? V::mul(su2, V::load(x.below_v + j)) : V::load(x.input + j);
    const auto s = V::add(V::fma(sw2, V::load(x.v + j), in_v), Rescaled ? V::load(x.bias + j) : sb2);
    auto th = V::fma(sw2, V::load(x.vth + j), s);
    if (x.below_vth) th = V::fma(su2, V::load(x.below_vth + j), th);
    if (frozen) th = zero;
    // u = sin^2(theta/2): (1 - lam) / 2, or with the distance (D - (sqrt q - sqrt q')^2) / 4c where
    // the variances are close. Where a variance is 0, inv_norm is 0: lam = 0, u = 1/2, the
    // correlation-0 convention.
    const auto cn = V::load(col_norm + j);
    const auto cinv = V::load(col_inv_norm + j);
    const auto cc = V::mul(rnorm, cn);  // c = sqrt(q q'), symmetric in the pair
    const auto c_over_pi = V::mul(cc, inv_pi);
    auto u = V::fnma(s, V::mul(half_rinv, cinv), half);
    typename V::R d;
    if constexpr (Distance) {
      const auto in_d = x.below_e ? V::mul(su2, V::load(x.below_e + j)) : V::load(x.input_distance + j);
      d = V::fma(sw2, V::load(x.e + j), in_d);
      const auto gap = V::sub(rnorm, cn);  // sqrt q - sqrt q'
      const auto gap2 = V::mul(gap, gap);
      u = V::select_lt(gap2, cc, V::mul(V::sub(d, gap2), V::mul(quarter_rinv, cinv)), u);
    }
    // r = min(u, 1 - u), clipped to [0, 1/2], and theta = 2 asin(sqrt r) for u < 1/2, pi - 2
    // asin(sqrt r) above. max returns its second operand when the first is NaN: a NaN cannot pass.
    // With g = (pi - theta) for u < 1/2, -(pi - theta) above, and h = 1/2 - r = |cos theta| / 2:
    //   V  = c (sin theta + (pi - theta) cos theta) / 2pi = (c / pi) (sqrt(r (1 - r)) + g h)
    //   V' = (pi - theta) / 2pi = |g| / 2pi.
    const auto r = V::max(V::min(u, V::sub(one, u)), zero);
    const AngleParts<V> a = half_angle_parts<V>(r);  // 2 asin(sqrt r) = a.arcsine a.factor + a.offset
    const auto g = V::fnma(a.arcsine, a.factor, V::sub(V::select_lt(u, half, pi, zero), a.offset));
    const auto h = V::sub(half, r);
    const auto half_sine = V::sqrt(V::mul(r, V::sub(one, r)));  // sin(theta) / 2
    V::store(x.v + j, V::mul(c_over_pi, V::fma(g, h, half_sine)));
    V::store(x.vth + j, V::mul(V::mul(V::abs(g), inv_two_pi), th));
    if constexpr (Distance) {  // E = D/2 - (c/pi) (sin theta - theta cos theta)
      const auto two_a = V::fma(a.arcsine, a.factor, a.offset);
      const auto theta = V::select_lt(u, half, two_a, V::sub(pi, two_a));  // small angles keep their bits
      const auto cosine = V::add(h, h);
      const auto f = sine_minus_theta_cosine<V>(theta, V::add(half_sine, half_sine),
                                                V::select_lt(u, half, cosine, V::sub(zero, cosine)));
      V::store(x.e + j, V::fnma(c_over_pi, f, V::mul(half, d)));
    }
  }
}

}  // namespace rntk::engine
