// The distance form of the float tile walk, for ReLU (relu_update.hpp) and erf (erf_update.hpp).
//
// Instead of V, the covariance of the two post-activations, the pairs carry their expected squared
// distance E = E[(phi(h) - phi(h'))^2] = V_q + V_q' - 2 V (V_q = V of a sequence with itself, its
// SelfCell::v), and the pre-activations' distance D = E[(h - h')^2] = q + q' - 2 S follows from it by
// a recursion without cancellation (the bias cancels):
//
//   D^l_{t,t'} = sw^2 E^l_{t-1,t'-1} + su^2 E^(l-1)_{t,t'}       (layer 1: (su^2/m) |x_t - x'_t'|^2)
//
// and S = (q + q' - D) / 2. Where two series are alike, D and E are small next to S and V, so a
// rounding error of E is a small part of S, where the same rounding of V in the correlation form
// would be a part of V. That matters in float, in two ways. ReLU: near correlation 1 the
// arc-cosine is ill-conditioned (relu_update.hpp), and the float kernel was off by up to 6 % on long,
// nearly equal series. erf (at the default sigma_w = sqrt(2)): the recursion passes an error of S
// on to the next step almost undamped (sw^2 V' ~ 1 for alike pairs, which is why its NTK is
// hundreds of times its NNGP), so the roundings of a long walk add up: 1.7e-4 of the pair's scale
// off double (ACSF1, 1,460 steps, L = 3) in the correlation form. Each update forms E from D and
// the two sequences' own statistics without cancellation, and V only where it is read out (the
// last step, or every step of a per-step or pooled readout), so the walk needs no input product
// <x, x'> either.
//
// Rescaled walks (SelfCell::scale, values past 2^64): ReLU's carry the correlation form, since its
// rows and columns sit at different scales there, where the square root of the scales' ratio is not
// a power of two; erf rescales only Th, so its rescaled walks carry the distance form too.
#pragma once

#include <cstddef>
#include <type_traits>

#include "rntk/activations.hpp"
#include "rntk/recursion.hpp"

namespace rntk::engine {

// Whether a walk carries the distance form: float ReLU where it is unrescaled (`rescaled`: a
// sequence of the walk has SelfCell::scale != 0), float erf always. Double's correlation form is accurate enough
// (ReLU's angle to ~2e-8; erf's roundings add up as they do in float, 1.7e-4 x eps(double) /
// eps(float), ~3e-13 of the pair's scale), and rescaled walks keep the correlation form (above).
template <class T>
constexpr bool uses_distance_form(Activation activation, bool rescaled) {
  return std::is_same_v<T, float> && (activation == Activation::kErf || (activation == Activation::kRelu && !rescaled));
}

// E of a pair at the cell where its walk starts: V_q + V_q' of the two steps before it (null:
// before the first step, an initial state of variance sh2), as V starts at 0 (independent states).
inline double starting_distance(const SelfCell* row_before, const SelfCell* col_before, double sh2) {
  return (row_before ? row_before->v : sh2) + (col_before ? col_before->v : sh2);
}

// The distance form's own recursion for one layer of a tile row (header), what ReLU's and erf's
// updates share: at lanes j, D from the previous cell's E and the input term (`x.below_e`, or
// `x.input_distance` for layer 1), (q + q') / 2, and Th from S = (q + q' - D) / 2 (0 if frozen).
// Rescaled: S enters Th divided by the pair's scale, `x.th_down` (erf, whose Th alone is rescaled).
// The pointers are copied once: the updates' stores may alias anything, so members read through
// `x` would be loaded again for every vector.
template <class V, bool Rescaled = false>
class DistanceRecursion {
 public:
  using T = typename V::T;
  using R = typename V::R;
  struct Step {
    R d, half_qsum, th;
  };

  template <class Lanes>
  DistanceRecursion(const Lanes& x, const SelfCell& row, const T* col_q, const Coefficients& c, bool frozen)
      : e_(x.e), vth_(x.vth), below_e_(x.below_e), below_vth_(x.below_vth), input_distance_(x.input_distance),
        th_down_(x.th_down), col_q_(col_q), sw2_(V::set1(static_cast<T>(c.sw2))),
        su2_(V::set1(static_cast<T>(c.su2))), half_(V::set1(T(0.5))), half_rq_(V::set1(static_cast<T>(0.5 * row.q))),
        frozen_(frozen) {}

  [[gnu::always_inline]] Step at(std::size_t j) const {
    const R in_d = below_e_ ? V::mul(su2_, V::load(below_e_ + j)) : V::load(input_distance_ + j);
    const R d = V::fma(sw2_, V::load(e_ + j), in_d);
    const R half_qsum = V::fma(half_, V::load(col_q_ + j), half_rq_);  // (q + q') / 2
    const R s = V::fnma(half_, d, half_qsum);                          // S
    R th = V::fma(sw2_, V::load(vth_ + j), Rescaled ? V::mul(s, V::load(th_down_ + j)) : s);
    if (below_vth_) th = V::fma(su2_, V::load(below_vth_ + j), th);
    if (frozen_) th = V::set1(T(0));
    return {d, half_qsum, th};
  }

 private:
  const T *e_, *vth_, *below_e_, *below_vth_, *input_distance_, *th_down_, *col_q_;
  R sw2_, su2_, half_, half_rq_;
  bool frozen_;
};

}  // namespace rntk::engine
