// The ReLU cell update, one pass over the lanes of a tile row, in two forms. The angle theta
// between the two pre-activations comes from its half-angle, u = sin^2(theta/2), as 2 asin(sqrt u)
// (through min(u, 1 - u)) with the polynomial of arcsine.hpp.
//
// relu_update, the correlation form (double; rescaled walks): the pairs carry V and V' Th, and
// u = (1 - lam) / 2 with lam = S / sqrt(q q').
//
// relu_distance_update, the distance form (float, unrescaled walks: distance_form.hpp): the pairs
// carry E and V' Th instead. Near correlation 1 the arc-cosine is ill-conditioned: rounding S (or
// lam) by one unit in the last place moves acos(lam) by about sqrt(2 eps), 3e-4 in float, and the
// NTK's tangent recursion multiplies one V' = (pi - theta) / 2pi per step. The distance D = q + q'
// - 2S is small exactly where the angle is and keeps its relative accuracy (distance_form.hpp), and
// with it the angle's. For ReLU
//
//   E = V_q + V_q' - 2 V = D/2 - (c/pi) (sin theta - theta cos theta)
//
// with c = sqrt(q q') and V_q = q/2, and the half-angle u = (c - S) / 2c = (D - (sqrt q -
// sqrt q')^2) / 4c. E: below u = 1/4 (theta < pi/3) from D/2 - c u^(3/2) P(u), P a polynomial (both
// terms positive, the second smaller by a factor ~ theta), above from (q + q')/2 - 2 V
// (cancellation at most a factor 2.6 there), which a vector forms only when one of its lanes needs
// it.
//
// The half-angle from D is most accurate when the two variances are close, which is where
// correlations near 1 occur; for variances q / q' = rho apart its error grows to about (sqrt rho +
// 1 / sqrt rho) / 2 units of u's last place (docs/DESIGN.md, "Numerics: the float mode").
#pragma once

#include <cstddef>
#include <numbers>

#include "arcsine.hpp"
#include "distance_form.hpp"
#include "rntk/recursion.hpp"

namespace rntk::engine {

// The angle from the half-angle u (the header): r = min(u, 1 - u), clipped to [0, 1/2], theta =
// 2 asin(sqrt r) for u < 1/2, pi - 2 asin(sqrt r) above. max returns its second operand when the
// first is NaN: a NaN cannot pass. g = (pi - theta) / 2pi for u < 1/2, -(pi - theta) / 2pi above
// (the 1/2pi folded into the arc-sine's multiply-add), so that V' = (pi - theta) / 2pi = |g|, and
// (relu_v_over_c_over_pi) with h = pi - 2pi r = pi |cos theta|:
//   V = c (sin theta + (pi - theta) cos theta) / 2pi = (c / pi) (sqrt(r (1 - r)) + g h).
// `root` is sqrt(r) where r < 1/4 (AngleParts::x), for the distance form; `v_prime` is V' = |g|.
template <class V>
struct ReluAngle {
  typename V::R g, r, root, v_prime;
};

template <class V>
inline ReluAngle<V> relu_angle(typename V::R u) {
  using T = typename V::T;
  const auto half = V::set1(T(0.5)), one = V::set1(T(1)), zero = V::set1(T(0)), quarter = V::set1(T(0.25));
  if (V::all_lt(u, quarter)) {
    // Every lane's angle below pi/3 (RNN states are highly correlated: most vectors): r = u (u < 0
    // only by rounding), g = V' > 0, and the polynomial on sqrt r itself, without
    // half_angle_parts' selects. The same values as the general path below, bit for bit.
    const auto r = V::max(u, zero);
    const auto root = V::sqrt(r);
    const auto g = V::fnma(asin_series<V>(root, r), V::set1(std::numbers::inv_pi_v<T>), half);
    return {g, r, root, g};
  }
  const auto r = V::max(V::min(u, V::sub(one, u)), zero);
  const auto half_or_zero = V::select_lt(u, half, half, zero);
  // 2 asin(sqrt r) / 2pi = a.arcsine a.factor + a.offset
  const AngleParts<V> a = half_angle_parts<V>(r, static_cast<T>(0.5 * std::numbers::inv_pi));
  const auto g = V::fnma(a.arcsine, a.factor, V::sub(half_or_zero, a.offset));
  return {g, r, a.x, V::abs(g)};
}

template <class V>
inline typename V::R relu_v_over_c_over_pi(const ReluAngle<V>& a) {
  using T = typename V::T;
  const auto half_sine = V::sqrt(V::fnma(a.r, a.r, a.r));  // sin(theta) / 2 = sqrt(r (1 - r)) = sqrt(r - r^2)
  const auto h = V::fnma(V::set1(2 * std::numbers::pi_v<T>), a.r, V::set1(std::numbers::pi_v<T>));
  return V::fma(a.g, h, half_sine);
}

// One ReLU layer of one tile row at one step, the correlation form: as layer_update_for
// (tile_walk.hpp; `x` is its LayerLanes) for S, Th, V and V' Th, in one pass over the lanes (the
// arc-sine is a polynomial, arcsine.hpp). Where a variance is 0, inv_norm is 0: lam = 0, u = 1/2,
// the correlation-0 convention. Rescaled: sb^2 per lane from `x.bias` (the pair's scale; ReLU is
// homogeneous, so nothing else changes).
template <class V, bool Rescaled, class Lanes>
[[gnu::always_inline]] inline void relu_update(const Lanes& x, const SelfCell& row, const typename V::T* col_norm,
                                               const typename V::T* col_inv_norm, std::size_t lanes,
                                               const Coefficients& c, bool frozen) {
  using T = typename V::T;
  const auto sw2 = V::set1(static_cast<T>(c.sw2));
  const auto su2 = V::set1(static_cast<T>(c.su2));
  const auto sb2 = V::set1(static_cast<T>(c.sb2));
  const auto rnorm = V::set1(static_cast<T>(row.norm));
  const auto inv_pi = V::set1(std::numbers::inv_pi_v<T>);
  const auto half_rinv = V::set1(static_cast<T>(0.5 * row.inv_norm));
  const auto half = V::set1(T(0.5));
  // The pointers in locals: the stores may alias anything, so x's members would be read again
  // (and their null tests repeated) for every vector.
  T* const v = x.v;
  T* const vth = x.vth;
  const T *const below_v = x.below_v, *const below_vth = x.below_vth, *const input = x.input, *const bias = x.bias;
  for (std::size_t j = 0; j < lanes; j += V::W) {
    // S and Th (spec section 3).
    // The input term and the bias first (layer 2 and above: one multiply-add), then the recurrence.
    const auto b = Rescaled ? V::load(bias + j) : sb2;
    const auto in_v = below_v ? V::fma(su2, V::load(below_v + j), b) : V::add(V::load(input + j), b);
    const auto s = V::fma(sw2, V::load(v + j), in_v);
    auto th = V::fma(sw2, V::load(vth + j), s);
    if (below_vth) th = V::fma(su2, V::load(below_vth + j), th);
    if (frozen) th = V::set1(T(0));
    // c / pi, c = sqrt(q q') formed first: symmetric in the pair, so K(x, y) = K(y, x) bit for bit.
    const auto c_over_pi = V::mul(V::mul(rnorm, V::load(col_norm + j)), inv_pi);
    const ReluAngle<V> a = relu_angle<V>(V::fnma(s, V::mul(half_rinv, V::load(col_inv_norm + j)), half));
    V::store(v + j, V::mul(c_over_pi, relu_v_over_c_over_pi(a)));
    V::store(vth + j, V::mul(a.v_prime, th));
  }
}

// One ReLU layer of one tile row at one step, the distance form (header): `x.e` holds E of the
// previous cell on entry and of this cell on return, `x.below_e` the layer below's E at this cell
// (null for layer 1, which reads `x.input_distance`, (su^2/m) |x - x'|^2 per lane); `x.vth` and
// `x.below_vth` as in relu_update. StoreV: also V into `x.v` (which it does not read).
template <class V, bool StoreV, class Lanes, class Columns>
inline void relu_distance_update(const Lanes& x, const SelfCell& row, const Columns& col, std::size_t lanes,
                                 const Coefficients& c, bool frozen) {
  using T = typename V::T;
  // (sin theta - theta cos theta) / (pi r^(3/2)) for theta = 2 asin(sqrt r), r in [0, 1/4]: fitted
  // like arcsine.hpp's polynomials by bench/arcsine_fit.py, degree 3: relative error 4.3e-7, and its
  // share of E is at most 0.28 of E, so E's error is 1.2e-7 (one degree more gave 2e-8, 3 % slower).
  static constexpr T kSeries[] = {0.848826051f, 0.0849216878f, 0.0265299249f, 0.0171075705f};
  const DistanceRecursion<V> recursion(x, row, col.q, c, frozen);
  const auto rnorm = V::set1(static_cast<T>(row.norm));
  const auto quarter_rinv = V::set1(static_cast<T>(0.25 * row.inv_norm));
  const auto zero = V::set1(T(0)), quarter = V::set1(T(0.25)), half = V::set1(T(0.5));
  const auto inv_pi = V::set1(std::numbers::inv_pi_v<T>);
  const auto two_over_pi = V::set1(static_cast<T>(2.0 * std::numbers::inv_pi));
  T* const e = x.e;  // in locals, as in relu_update
  T* const vth = x.vth;
  T* const v = x.v;
  const T *const col_norm = col.norm, *const col_inv_norm = col.inv_norm;
  for (std::size_t j = 0; j < lanes; j += V::W) {
    const auto [d, half_qsum, th] = recursion.at(j);
    // u = (D - (sqrt q - sqrt q')^2) / 4c; 1/2 where a variance is 0 (c = 0, inv_norm = 0), the
    // correlation-0 convention of relu_update.
    const auto cn = V::load(col_norm + j);
    const auto cc = V::mul(rnorm, cn);  // c
    const auto gap = V::sub(rnorm, cn);
    const auto u = V::select_lt(zero, cc, V::mul(V::fnma(gap, gap, d), V::mul(quarter_rinv, V::load(col_inv_norm + j))), half);
    const ReluAngle<V> a = relu_angle<V>(u);
    V::store(vth + j, V::mul(a.v_prime, th));
    // E below u = 1/4: D/2 - c r^(3/2) P(r), where root = sqrt r; above: (q + q')/2 - 2 V. V and
    // the second form only for vectors that need them: ReLU RNN states are so highly correlated
    // that on UCR sets (L = 2, last state) 87-99.8 % of the vectors have no lane above u = 1/4.
    auto p = V::set1(kSeries[3]);
    for (int k = 2; k >= 0; --k) p = V::fma(p, a.r, V::set1(kSeries[k]));
    auto e_new = V::fnma(cc, V::mul(V::mul(a.root, a.r), p), V::mul(half, d));
    if (StoreV || !V::all_lt(u, quarter)) {
      const auto w = relu_v_over_c_over_pi(a);
      if constexpr (StoreV) V::store(v + j, V::mul(V::mul(cc, inv_pi), w));
      e_new = V::select_lt(u, quarter, e_new, V::fnma(V::mul(cc, two_over_pi), w, half_qsum));
    }
    V::store(e + j, e_new);
  }
}

}  // namespace rntk::engine
