// The erf cell update in the distance form (distance_form.hpp; float walks), one pass over the
// lanes of a tile row with the arc-sine polynomial of arcsine.hpp.
//
// erf's dual activation (spec section 2) is V = (2/pi) asin(rho) with rho = 2S / sqrt(A A'),
// A = 1 + 2q, A' = 1 + 2q'; a sequence with itself has rho = a = 2q / A, and V_q = (2/pi) asin(a).
// With the pair's angle gamma = acos(rho) and the sequences' own, gamma_a = acos(a) and gamma_a',
//
//   E = V_q + V_q' - 2 V = (2/pi) ((gamma - gamma_a) + (gamma - gamma_a')),
//
// and for rho > 0 (every angle below pi/2) each difference is the arc-sine of its sine,
//
//   sin(gamma - gamma_a) = a sin(gamma) - rho sin(gamma_a)
//                        = (a - rho)(a + rho) / (a sin(gamma) + rho sin(gamma_a)),
//
// the second line free of the first's cancellation. Everything comes from D and the sequences'
// statistics without cancellation. With n = sqrt A, n' = sqrt A' (SelfCell::norm for erf) and
// gap = n - n', since q + q' = (A + A')/2 - 1 and S = (q + q' - D)/2:
//
//   m = sqrt(A A') - 2S = 1 + D - gap^2 / 2             (so 1 - rho = m / n n')
//   (a - rho) n n' = m - 1 + gap / n,   (a' - rho) n n' = m - 1 - gap / n'
//   A A' (1 - rho^2) = (n n' - 2S)(n n' + 2S) = m (2 n n' - m)
//
// the last V''s denominator: V' = (4/pi) / sqrt(m (2 n n' - m)), and sin(gamma) = sqrt(m (2 n n' -
// m)) / n n'. The arc-sines of the two sines are asin_series, which holds up to 1/2; a lane with a
// sine past that (a difference past pi/6: E is no small difference there) or with rho <= 0
// (nothing cancels) takes E = V_q + V_q' - 2V directly, which a vector forms only when one of its
// lanes needs it (more often for independent random series than for alike ones). Measured (bench/float_error.py, docs/PERFORMANCE.md):
// erf's float error on ACSF1 (1,460 steps, L = 3) from 1.7e-4 of the pair's scale to 1.8e-6.
#pragma once

#include <cmath>
#include <cstddef>
#include <numbers>

#include "arcsine.hpp"
#include "distance_form.hpp"
#include "rntk/recursion.hpp"

namespace rntk::engine {

// What the erf distance form reads of a sequence at a (step, layer) besides its SelfCell: a =
// 2q / (1 + 2q), the correlation of the sequence with itself, and sqrt(1 - a^2) = sqrt(1 + 4q) /
// (1 + 2q), from the double q.
struct ErfSelfAngle {
  double rho, sine;
};
inline ErfSelfAngle erf_self_angle(const SelfCell& cell) {
  const double inv_a = cell.inv_norm * cell.inv_norm;  // 1 / (1 + 2q)
  return {2.0 * cell.q * inv_a, std::sqrt(1.0 + 4.0 * cell.q) * inv_a};
}

// One erf layer of one tile row at one step, the distance form (header). As relu_distance_update:
// `x.e` holds E of the previous cell on entry and this cell's on return, `x.below_e` the layer
// below's E at this cell (null for layer 1, which reads `x.input_distance`); `x.vth`, `x.below_vth`
// as in layer_update_for; StoreV: V into `x.v` too. The columns' lanes: `q`, `norm` (sqrt(1 + 2q)),
// `inv_norm`, and `self_rho`, `self_sine` (ErfSelfAngle), `self_v` (V_q). Rescaled walks
// (SelfCell::scale) rescale only Th for erf: `x.th_down` is the lane's 1 / scale by which S enters
// Th, and E, D and the sequences' statistics are the plain walk's.
template <class V, bool StoreV, bool Rescaled, class Lanes, class Columns>
inline void erf_distance_update(const Lanes& x, const SelfCell& row, const Columns& col, std::size_t lanes,
                                const Coefficients& c, bool frozen) {
  using T = typename V::T;
  const ErfSelfAngle row_angle = erf_self_angle(row);
  const DistanceRecursion<V, Rescaled> recursion(x, row, col.q, c, frozen);
  const auto rnorm = V::set1(static_cast<T>(row.norm));
  const auto rinv = V::set1(static_cast<T>(row.inv_norm));
  const auto rrho = V::set1(static_cast<T>(row_angle.rho));
  const auto rsine = V::set1(static_cast<T>(row_angle.sine));
  const auto rv = V::set1(static_cast<T>(row.v));
  const auto zero = V::set1(T(0)), half = V::set1(T(0.5)), one = V::set1(T(1));
  const auto two_over_pi = V::set1(static_cast<T>(2.0 * std::numbers::inv_pi));
  const auto four_over_pi = V::set1(static_cast<T>(4.0 * std::numbers::inv_pi));
  T* const e = x.e;  // in locals, as in relu_update
  T* const vth = x.vth;
  T* const v = x.v;
  const T *const col_norm = col.norm, *const col_inv_norm = col.inv_norm;
  const T *const col_rho = col.self_rho, *const col_sine = col.self_sine, *const col_v = col.self_v;
  for (std::size_t j = 0; j < lanes; j += V::W) {
    const auto [d, half_qsum, th] = recursion.at(j);
    const auto cn = V::load(col_norm + j);
    const auto cinv = V::load(col_inv_norm + j);
    const auto gap = V::sub(rnorm, cn);
    const auto m_minus_1 = V::fnma(V::mul(half, gap), gap, d);
    const auto m = V::add(m_minus_1, one);
    const auto nn = V::mul(rnorm, cn);
    const auto inv_nn = V::mul(rinv, cinv);
    const auto root = V::sqrt(V::mul(m, V::sub(V::add(nn, nn), m)));  // sqrt(A A' (1 - rho^2)) > 0
    V::store(vth + j, V::mul(V::div(four_over_pi, root), th));
    const auto rho = V::fnma(m, inv_nn, one);
    const auto sine = V::mul(root, inv_nn);  // sin(gamma)
    const auto crho = V::load(col_rho + j);
    // sin(gamma - gamma_a) for the row and the column: numerator / denominator, one division.
    const auto num_row = V::mul(V::mul(V::fma(gap, rinv, m_minus_1), inv_nn), V::add(rrho, rho));
    const auto num_col = V::mul(V::mul(V::fnma(gap, cinv, m_minus_1), inv_nn), V::add(crho, rho));
    const auto den_row = V::fma(rrho, sine, V::mul(rho, rsine));
    const auto den_col = V::fma(crho, sine, V::mul(rho, V::load(col_sine + j)));
    const auto inv_den = V::div(one, V::mul(den_row, den_col));
    const auto sin_row = V::mul(V::mul(num_row, den_col), inv_den);
    const auto sin_col = V::mul(V::mul(num_col, den_row), inv_den);
    auto e_new = V::mul(two_over_pi, V::add(asin_series<V>(sin_row, V::mul(sin_row, sin_row)),
                                            asin_series<V>(sin_col, V::mul(sin_col, sin_col))));
    // The series holds for sines up to 1/2 (differences up to pi/6); a lane past that, or with
    // rho <= 0, takes the direct form.
    const auto largest = V::select_lt(zero, rho, V::max(V::abs(sin_row), V::abs(sin_col)), one);
    if (StoreV || !V::all_lt(largest, half)) {
      const auto angle = arc_sine<V>(rho);  // V = (2/pi) asin(rho)
      if constexpr (StoreV) V::store(v + j, V::mul(two_over_pi, angle));
      e_new = V::select_lt(largest, half, e_new, V::fnma(four_over_pi, angle, V::add(rv, V::load(col_v + j))));
    }
    V::store(e + j, e_new);
  }
}

}  // namespace rntk::engine
