// The hot loop: one tile of pairs walked over time, vectorised across the pairs of a tile row.
//
// The engine orders the sequences of the rows and of the columns by length, longest first. Pairs
// are aligned at their last step, so at k steps before the end the pairs still walking are those of
// the rows and the columns longer than k: a rectangle [0, rows_k) x [0, cols_k) of the tile that
// grows as k falls. The per-layer state of the pairs is stored layer-major, row-major, with the row
// padded to a multiple of the vector width, so a tile row is a run of contiguous lanes: row
// quantities are broadcast and column quantities are loaded as vectors. Lanes of columns not yet
// walking compute harmless values that are reset to zero when the column starts.
//
// The kernel is a template over a vector type V (V::T the scalar type, V::W lanes, and the
// operations used below); simd_*.cpp instantiate it for AVX-512, AVX2 and portable scalar code,
// in double and float. Every lane runs the same instructions, so a pair's value does not depend on
// where it sits in a tile, which tile holds it, or which thread runs the tile.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <new>
#include <numbers>
#include <vector>

#include "rntk/activations.hpp"
#include "rntk/params.hpp"
#include "rntk/recursion.hpp"
#include "erf_update.hpp"
#include "relu_update.hpp"

namespace rntk::engine {

// Everything one tile walk reads. Rows and columns are in the engine's (length-sorted) order.
struct TileInput {
  std::size_t rows = 0, cols = 0, layers = 0, dim = 0;
  const std::size_t* row_length = nullptr;  // descending
  const std::size_t* col_length = nullptr;  // descending
  // Per sequence: its last step's values (step T-1-k is k * dim before) and its last step's
  // self cells (step T-1-k is k * layers before).
  const double* const* row_values = nullptr;
  const double* const* col_values = nullptr;
  const SelfCell* const* row_cells = nullptr;
  const SelfCell* const* col_cells = nullptr;
  Coefficients coef{KernelParams{}, 1};
  Activation activation = Activation::kRelu;
  Readout readout = Readout::kLast;
  std::size_t frozen_layers = 0;
  double leaky_slope = 0.0;
  const Duals* duals = nullptr;  // for activations without a vectorised closed form
  // Rows and columns are the same sequences in the same order (a diagonal tile of a symmetric
  // Gram): the pairs j < i < cols are not wanted (the engine mirrors them); the walk may leave them
  // at any finite value.
  bool upper_only = false;
};

// Where the results go: for each depth d = 1 .. layers (index d - 1) a row-major rows x cols block
// with leading dimension ld, or null when that depth and kernel is not wanted.
struct TileOutput {
  std::size_t ld = 0;
  std::vector<double*> ntk;
  std::vector<double*> nngp;
};

// 64-byte aligned scratch memory, grown on demand and reused from tile to tile.
template <class T>
class Scratch {
 public:
  Scratch() = default;
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() { std::free(data_); }
  T* get(std::size_t n) {
    if (n > capacity_) {
      std::free(data_);
      capacity_ = (n + 15) / 16 * 16;
      data_ = static_cast<T*>(std::aligned_alloc(64, capacity_ * sizeof(T)));
      if (!data_) throw std::bad_alloc();
    }
    return data_;
  }

 private:
  T* data_ = nullptr;
  std::size_t capacity_ = 0;
};

template <class T>
struct Workspace {
  Scratch<T> state_v, state_vth;           // [layer][row][padded column]
  Scratch<T> state_e;                      // the distance form (distance_form.hpp), same layout
  Scratch<T> sum_v, sum_vth;               // per-step readout: sums over the walk, same layout
  Scratch<T> col_q, col_norm, col_inv_norm, col_inv_q;  // [layer][padded column], this step
  Scratch<T> col_self_rho, col_self_sine, col_self_v;   // erf's distance form only, same layout
  Scratch<T> col_x;                        // [channel][padded column], this step
  Scratch<T> input;                        // input terms: [row][padded column] (tile walk), [lane] (mean pooling)
  Scratch<T> input_distance;               // (su^2/m) |x - x'|^2 for the distance form, same layout
  Scratch<T> lane_a, lane_b;               // between the passes of layer_update
  // Rescaled walks only (SelfCell::scale): per column 2^-scale and the factor from the previous
  // cell's scale to this one's; per lane sb^2 divided by the pair's scale (or, where only Th is
  // rescaled, 1 / the pair's scale).
  Scratch<T> col_down, col_shift, bias;
};

// Asks for the self cells of a later step of a sequence (`layers` of them from `cells`): a tile
// reads 2 x 64 sequences' cells at a time, one step further at each step of the walk, more
// streams than the hardware prefetcher follows.
inline void prefetch_cells(const SelfCell* cells, std::size_t layers) {
  __builtin_prefetch(cells);
  __builtin_prefetch(reinterpret_cast<const char*>(cells + layers) - 1);
}

// Lane counts are rounded up to whole vectors.
template <std::size_t W>
constexpr std::size_t padded(std::size_t n) {
  return (n + W - 1) / W * W;
}

// One channel's contribution to an input product: x x', or (x - x')^2 for the distance form.
template <class V, bool Distance>
inline typename V::R channel_term(typename V::R x, typename V::R col) {
  if constexpr (Distance) {
    const auto d = V::sub(x, col);
    return V::mul(d, d);
  } else {
    return V::mul(x, col);
  }
}
template <class V, bool Distance>
inline typename V::R add_channel_term(typename V::R x, typename V::R col, typename V::R acc) {
  if constexpr (Distance) {
    const auto d = V::sub(x, col);
    return V::fma(d, d, acc);
  } else {
    return V::fma(x, col, acc);
  }
}

// The input term of layer 1 for every lane of a tile row: (su^2 / m) <x_t, x'_t'> (Distance:
// (su^2 / m) |x_t - x'_t'|^2), summed over the channels in order (so it does not depend on the tile).
template <class V, bool Distance = false>
inline void input_products(const typename V::T* row_x, const typename V::T* col_x, std::size_t dim,
                           std::size_t lanes, std::size_t stride, typename V::T su2_over_m,
                           typename V::T* out) {
  for (std::size_t j = 0; j < lanes; j += V::W) {
    auto acc = channel_term<V, Distance>(V::set1(row_x[0]), V::load(col_x + j));
    for (std::size_t d = 1; d < dim; ++d) {
      acc = add_channel_term<V, Distance>(V::set1(row_x[d]), V::load(col_x + d * stride + j), acc);
    }
    V::store(out + j, V::mul(acc, V::set1(su2_over_m)));
  }
}

// The input terms of a whole tile at one step, rows x lanes: the product of the rows' inputs
// (rows x dim, row-major) and the columns' (dim x lanes, channel-major): one small matrix product
// per step. Four rows share every column load and each row's value serves two vectors, which is
// what makes a large input dimension cheap; every entry is still the same sum, channel by channel,
// as input_products computes, so the result does not depend on the blocking.
template <class V, bool Distance = false>
inline void step_input_products(const typename V::T* row_x, std::size_t rows, const typename V::T* col_x,
                                std::size_t dim, std::size_t lanes, std::size_t stride,
                                typename V::T su2_over_m, typename V::T* out) {
  constexpr std::size_t W = V::W;
  const auto scale = V::set1(su2_over_m);
  std::size_t i = 0;
  for (; i + 4 <= rows; i += 4) {
    const typename V::T* r = row_x + i * dim;
    std::size_t j = 0;
    for (; j + 2 * W <= lanes; j += 2 * W) {
      typename V::R acc[4][2];
      const auto c0 = V::load(col_x + j), c1 = V::load(col_x + j + W);
      for (std::size_t b = 0; b < 4; ++b) {
        const auto x = V::set1(r[b * dim]);
        acc[b][0] = channel_term<V, Distance>(x, c0);
        acc[b][1] = channel_term<V, Distance>(x, c1);
      }
      for (std::size_t d = 1; d < dim; ++d) {
        const auto d0 = V::load(col_x + d * stride + j), d1 = V::load(col_x + d * stride + j + W);
        for (std::size_t b = 0; b < 4; ++b) {
          const auto x = V::set1(r[b * dim + d]);
          acc[b][0] = add_channel_term<V, Distance>(x, d0, acc[b][0]);
          acc[b][1] = add_channel_term<V, Distance>(x, d1, acc[b][1]);
        }
      }
      for (std::size_t b = 0; b < 4; ++b) {
        V::store(out + (i + b) * stride + j, V::mul(acc[b][0], scale));
        V::store(out + (i + b) * stride + j + W, V::mul(acc[b][1], scale));
      }
    }
    if (j < lanes) {
      for (std::size_t b = 0; b < 4; ++b) {
        input_products<V, Distance>(r + b * dim, col_x + j, dim, lanes - j, stride, su2_over_m,
                                    out + (i + b) * stride + j);
      }
    }
  }
  for (; i < rows; ++i) {
    input_products<V, Distance>(row_x + i * dim, col_x, dim, lanes, stride, su2_over_m, out + i * stride);
  }
}

// A rescaled step's input terms: the pair's scale down = 2^-(e_row + e_col) (the row's factor times
// each column's); homogeneous activations scale the input products and the bias by it, the others
// keep them and record it for their tangent term (th_down).
template <class V>
inline void scale_step_inputs(typename V::T row_down, const typename V::T* col_down, typename V::T sb2,
                              std::size_t lanes, bool homogeneous, typename V::T* input, typename V::T* bias) {
  const auto row = V::set1(row_down);
  const auto b = V::set1(sb2);
  for (std::size_t j = 0; j < lanes; j += V::W) {
    const auto down = V::mul(row, V::load(col_down + j));
    if (homogeneous) {
      V::store(input + j, V::mul(V::load(input + j), down));
      V::store(bias + j, V::mul(b, down));
    } else {
      V::store(bias + j, down);  // th_down
    }
  }
}

// What one layer update of a tile row reads and writes, one lane per column.
template <class T>
struct LayerLanes {
  T* v = nullptr;    // V, and below V' Th: the previous cell's on entry, this cell's on return
  T* vth = nullptr;
  // The distance form (distance_form.hpp): E, likewise; null in other walks. That form only
  // writes V, where it is read out, and `v` is null elsewhere.
  T* e = nullptr;
  const T* below_v = nullptr;  // the layer below at this cell; null for layer 1
  const T* below_vth = nullptr;
  const T* below_e = nullptr;
  const T* input = nullptr;           // layer 1: (su^2/m) <x, x'>
  const T* input_distance = nullptr;  // layer 1, distance form: (su^2/m) |x - x'|^2
  const T* bias = nullptr;            // rescaled walks, see layer_update_for
  const T* th_down = nullptr;
};

// The columns' self statistics (SelfCell) at this step and layer, one lane per column; for erf's
// distance form also ErfSelfAngle and V_q (erf_update.hpp), null in other walks.
template <class T>
struct ColumnLanes {
  const T* q;
  const T* norm;
  const T* inv_norm;
  const T* inv_q;
  const T* self_rho = nullptr;
  const T* self_sine = nullptr;
  const T* self_v = nullptr;
};

// The arrays ColumnLanes point into, [layer][padded column] (`n` values each), from the workspace;
// columns not walking yet read benign values. `erf_distance`: the erf distance form's too.
template <class T>
struct ColumnArrays {
  T *q, *norm, *inv_norm, *inv_q, *self_rho = nullptr, *self_sine = nullptr, *self_v = nullptr;

  ColumnArrays(Workspace<T>& ws, std::size_t n, bool erf_distance)
      : q(ws.col_q.get(n)), norm(ws.col_norm.get(n)), inv_norm(ws.col_inv_norm.get(n)), inv_q(ws.col_inv_q.get(n)) {
    for (T* a : {q, norm, inv_norm, inv_q}) std::fill(a, a + n, T(1));
    if (erf_distance) {
      self_rho = ws.col_self_rho.get(n), self_sine = ws.col_self_sine.get(n), self_v = ws.col_self_v.get(n);
      std::fill(self_rho, self_rho + n, T(0));
      std::fill(self_sine, self_sine + n, T(1));
      std::fill(self_v, self_v + n, T(0));
    }
  }
  void set(std::size_t index, const SelfCell& cell) {
    q[index] = static_cast<T>(cell.q);
    norm[index] = static_cast<T>(cell.norm);
    inv_norm[index] = static_cast<T>(cell.inv_norm);
    inv_q[index] = static_cast<T>(cell.inv_q);
    if (self_rho) {
      const ErfSelfAngle angle = erf_self_angle(cell);
      self_rho[index] = static_cast<T>(angle.rho);
      self_sine[index] = static_cast<T>(angle.sine);
      self_v[index] = static_cast<T>(cell.v);
    }
  }
  ColumnLanes<T> lanes(std::size_t offset) const {
    return {q + offset, norm + offset, inv_norm + offset, inv_q + offset, self_rho ? self_rho + offset : nullptr,
            self_sine ? self_sine + offset : nullptr, self_v ? self_v + offset : nullptr};
  }
};

// One layer of one tile row at one step (spec section 3), then its dual activation (section 2):
//   S  = sw^2 v_prev + I + sb^2                 (v_prev = V[K^l] at the previous cell)
//   Th = S + sw^2 vth_prev + input_th           (vth_prev = V'[K^l] Th^l there; 0 if frozen)
//   v  = V[K^l_{t,t'}],  vth = V'[K^l_{t,t'}] Th
// with I, input_th the layer below's su^2 v, su^2 vth (or the input term and 0 for layer 1). The
// row's quantities come from `row`, the columns' from `col`.
// Rescaled walks (SelfCell::scale): `bias` is sb^2 per lane divided by the pair's scale (null: sb^2
// itself); `th_down`, where only Th is rescaled, the lane's 1 / scale by which S enters Th.
// ReLU has its own one-pass update (relu_update.hpp; in float, unrescaled, the angle comes from
// the pair's distance), and so has erf in float (erf_update.hpp). For the others the lanes are
// processed in passes so that no vector value is live across the calls into the vector math
// library (which, like every call, may overwrite all vector registers): pass 1 computes S and Th
// and the arc-sine argument, pass 2 only calls the library, pass 3 finishes.
// `scratch_a` and `scratch_b` hold `lanes` values each between passes.
template <class V, Activation A, bool Rescaled>
inline void layer_update_for(const LayerLanes<typename V::T>& x, const SelfCell& row,
                             const ColumnLanes<typename V::T>& col, std::size_t lanes, const TileInput& in,
                             bool frozen, typename V::T* scratch_a, typename V::T* scratch_b) {
  if constexpr (A == Activation::kRelu) {
    return relu_update<V, Rescaled>(x, row, col.norm, col.inv_norm, lanes, in.coef, frozen);
  }
  typename V::T* const v = x.v;
  typename V::T* const vth = x.vth;
  const auto* const below_v = x.below_v;
  const auto* const below_vth = x.below_vth;
  const auto* const input = x.input;
  const auto* const bias = x.bias;
  const auto* const th_down = x.th_down;
  const auto* const col_q = col.q;
  const auto* const col_norm = col.norm;
  const auto* const col_inv_norm = col.inv_norm;
  const auto* const col_inv_q = col.inv_q;
  using T = typename V::T;
  const Coefficients& c = in.coef;
  const auto one = V::set1(T(1));
  const auto minus_one = V::set1(T(-1));
  const auto two_over_pi = V::set1(static_cast<T>(2.0 / std::numbers::pi));
  const T alpha = static_cast<T>(0.5 * (1.0 + in.leaky_slope)), beta = static_cast<T>(0.5 * (1.0 - in.leaky_slope));

  // Pass 1: S and Th (Th is kept in vth), and per activation what the library call needs.
  {
    const auto sw2 = V::set1(static_cast<T>(c.sw2));
    const auto su2 = V::set1(static_cast<T>(c.su2));
    const auto sb2 = V::set1(static_cast<T>(c.sb2));
    const auto rq = V::set1(static_cast<T>(row.q));
    const auto rinv = V::set1(static_cast<T>(row.inv_norm));
    const auto rinvq = V::set1(static_cast<T>(row.inv_q));
    const auto four_over_pi = V::set1(static_cast<T>(4.0 / std::numbers::pi));
    for (std::size_t j = 0; j < lanes; j += V::W) {
      const auto in_v = below_v ? V::mul(su2, V::load(below_v + j)) : V::load(input + j);
      const auto s = V::add(V::fma(sw2, V::load(v + j), in_v), Rescaled && bias ? V::load(bias + j) : sb2);
      auto th = V::fma(sw2, V::load(vth + j), Rescaled && th_down ? V::mul(s, V::load(th_down + j)) : s);
      if (below_vth) th = V::fma(su2, V::load(below_vth + j), th);
      if (frozen) th = V::set1(T(0));
      if constexpr (A == Activation::kLeakyRelu) {
        // lam = S / sqrt(q q'), clipped to [-1, 1] (0 when a variance is 0: inv_norm is 0 then).
        V::store(v + j, V::min(one, V::max(minus_one, V::mul(s, V::mul(rinv, V::load(col_inv_norm + j))))));
        V::store(vth + j, th);
        V::store(scratch_b + j, s);
      } else if constexpr (A == Activation::kErf) {
        // erf: the asin argument 2 S / sqrt((1 + 2q)(1 + 2q')), and V' Th with V' = (4/pi) /
        // sqrt(1 + 2(q + q') + 4 q q' (1 - rho^2)), rho^2 = S^2 / (q q') clipped to [0, 1] (spec
        // section 5: the cancellation-free form).
        const auto cq = V::load(col_q + j);
        const auto rho2 = V::min(one, V::mul(V::mul(s, s), V::mul(rinvq, V::load(col_inv_q + j))));
        const auto det = V::fma(V::mul(V::set1(T(4)), V::mul(rq, cq)), V::sub(one, rho2),
                                V::fma(V::set1(T(2)), V::add(rq, cq), one));
        V::store(v + j, V::min(one, V::max(minus_one, V::mul(V::add(s, s), V::mul(rinv, V::load(col_inv_norm + j))))));
        V::store(vth + j, V::mul(V::div(four_over_pi, V::sqrt(det)), th));
      } else if constexpr (A == Activation::kIdentity) {
        V::store(v + j, s);  // V = S, V' = 1
        V::store(vth + j, th);
      } else {
        V::store(v + j, s);  // quadrature: S here, Th in vth
        V::store(vth + j, th);
      }
    }
  }

  // Pass 2: the library calls alone.
  if constexpr (A == Activation::kErf) {
    for (std::size_t j = 0; j < lanes; j += V::W) V::store(v + j, V::mul(two_over_pi, V::asin(V::load(v + j))));
  } else if constexpr (A == Activation::kLeakyRelu) {
    for (std::size_t j = 0; j < lanes; j += V::W) V::store(scratch_a + j, V::asin(V::load(v + j)));
  } else if constexpr (A != Activation::kIdentity) {
    // Quadrature (activations.hpp), one lane at a time.
    for (std::size_t j = 0; j < lanes; ++j) {
      const DualValues d = in.duals->pair(row.q, static_cast<double>(v[j]), static_cast<double>(col_q[j]));
      v[j] = static_cast<T>(d.v);
      vth[j] = static_cast<T>(d.dv * static_cast<double>(vth[j]));
    }
  }

  // Pass 3: V and V' Th from the library's results.
  if constexpr (A == Activation::kLeakyRelu) {
    const auto rnorm = V::set1(static_cast<T>(row.norm));
    const auto alpha2 = V::set1(alpha * alpha), beta2 = V::set1(beta * beta);
    for (std::size_t j = 0; j < lanes; j += V::W) {
      const auto lam = V::load(v + j);
      const auto cc = V::mul(rnorm, V::load(col_norm + j));  // c = sqrt(q q')
      const auto sine = V::sqrt(V::fnma(lam, lam, one));     // |lam| <= 1: never negative
      // V = alpha^2 S + beta^2 (2c/pi)(sqrt(1 - lam^2) + lam asin lam), V' = alpha^2 + beta^2
      // (2/pi) asin lam (activations.hpp).
      const auto arcsine = V::load(scratch_a + j);
      V::store(v + j, V::fma(alpha2, V::load(scratch_b + j),
                             V::mul(V::mul(beta2, V::mul(two_over_pi, cc)), V::fma(lam, arcsine, sine))));
      V::store(vth + j, V::mul(V::fma(beta2, V::mul(two_over_pi, arcsine), alpha2), V::load(vth + j)));
    }
  }
}

// layer_update_for, with the activation's branch chosen once per call rather than once per lane.
// Kept out of line, as the compiler chose before the rescaled variant existed: inlining every
// activation's update into the walk made the plain walk slower.
template <class V, bool Rescaled>
[[gnu::noinline]] void layer_update_as(const LayerLanes<typename V::T>& x, const SelfCell& row,
                                       const ColumnLanes<typename V::T>& col, std::size_t lanes,
                                       const TileInput& in, bool frozen, typename V::T* scratch_a,
                                       typename V::T* scratch_b) {
  switch (in.activation) {
    case Activation::kRelu:
      return layer_update_for<V, Activation::kRelu, Rescaled>(x, row, col, lanes, in, frozen, scratch_a, scratch_b);
    case Activation::kErf:
      return layer_update_for<V, Activation::kErf, Rescaled>(x, row, col, lanes, in, frozen, scratch_a, scratch_b);
    case Activation::kIdentity:
      return layer_update_for<V, Activation::kIdentity, Rescaled>(x, row, col, lanes, in, frozen, scratch_a,
                                                                  scratch_b);
    case Activation::kLeakyRelu:
      return layer_update_for<V, Activation::kLeakyRelu, Rescaled>(x, row, col, lanes, in, frozen, scratch_a,
                                                                   scratch_b);
    default:
      return layer_update_for<V, Activation::kCustom, Rescaled>(x, row, col, lanes, in, frozen, scratch_a,
                                                                scratch_b);
  }
}

// The plain walk's update is compiled without the rescaling's per-lane loads. ReLU's one-pass
// update is inlined into the walk: out of line, each call (one per row, layer and step, a few
// vectors long) set up its two dozen constants again, which cost 6 % of the ReLU walk. GCC's own
// choice left relu_update out of line (perf), hence always_inline here and there: +3-9 % (A/B).
template <class V>
[[gnu::always_inline]] inline void layer_update(const LayerLanes<typename V::T>& x, const SelfCell& row,
                                                const ColumnLanes<typename V::T>& col, std::size_t lanes,
                                                const TileInput& in, bool frozen, typename V::T* scratch_a,
                                                typename V::T* scratch_b) {
  if (x.e && in.activation == Activation::kErf) {  // erf's distance form, plain or rescaled
    if (x.th_down) {
      if (x.v) return erf_distance_update<V, true, true>(x, row, col, lanes, in.coef, frozen);
      return erf_distance_update<V, false, true>(x, row, col, lanes, in.coef, frozen);
    }
    if (x.v) return erf_distance_update<V, true, false>(x, row, col, lanes, in.coef, frozen);
    return erf_distance_update<V, false, false>(x, row, col, lanes, in.coef, frozen);
  }
  if (x.bias || x.th_down) return layer_update_as<V, true>(x, row, col, lanes, in, frozen, scratch_a, scratch_b);
  if (in.activation == Activation::kRelu) {
    if (x.e && x.v) return relu_distance_update<V, true>(x, row, col, lanes, in.coef, frozen);
    if (x.e) return relu_distance_update<V, false>(x, row, col, lanes, in.coef, frozen);
    return relu_update<V, false>(x, row, col.norm, col.inv_norm, lanes, in.coef, frozen);
  }
  layer_update_as<V, false>(x, row, col, lanes, in, frozen, scratch_a, scratch_b);
}

template <class V>
void walk_tile(const TileInput& in, Workspace<typename V::T>& ws, const TileOutput& out) {
  using T = typename V::T;
  constexpr std::size_t W = V::W;
  const std::size_t R = in.rows, C = in.cols, L = in.layers, m = in.dim;
  const std::size_t Cp = padded<W>(C);
  const bool per_step = in.readout == Readout::kSteps;
  T* state_v = ws.state_v.get(L * R * Cp);
  T* state_vth = ws.state_vth.get(L * R * Cp);
  T* sum_v = per_step ? ws.sum_v.get(L * R * Cp) : nullptr;
  T* sum_vth = per_step ? ws.sum_vth.get(L * R * Cp) : nullptr;
  T* col_x = ws.col_x.get(m * Cp);
  T* inputs = ws.input.get(R * Cp);  // [row][padded column], this step
  T* lane_a = ws.lane_a.get(Cp);
  T* lane_b = ws.lane_b.get(Cp);
  std::fill(col_x, col_x + m * Cp, T(0));  // columns not walking yet read benign values
  for (T* a : {state_v, state_vth, sum_v, sum_vth}) {
    if (a) std::fill(a, a + L * R * Cp, T(0));
  }
  std::vector<T> row_x(R * m);

  // A rescaled walk (SelfCell::scale) when a sequence of the tile has a nonzero scale at its last
  // step (its largest): the state of a pair at cell (t, t') is carried divided by 2^(e_t + e'_t'),
  // so at each step the inputs and sb^2 are divided by it and, where a scale grew, the state is
  // brought to the new one. Every factor is a power of two, so the values are those of the plain
  // walk divided by the scale, bit for bit. Other tiles skip all of this.
  const bool homogeneous = is_homogeneous(in.activation);  // V is rescaled too, not only Th
  bool scaled = false;
  for (std::size_t i = 0; i < R; ++i) scaled = scaled || in.row_cells[i][0].scale != 0;
  for (std::size_t j = 0; j < C; ++j) scaled = scaled || in.col_cells[j][0].scale != 0;
  T* col_down = scaled ? ws.col_down.get(Cp) : nullptr;
  T* col_shift = scaled ? ws.col_shift.get(Cp) : nullptr;
  T* bias = scaled ? ws.bias.get(Cp) : nullptr;
  std::vector<int> row_scale(scaled ? R : 0), col_scale(scaled ? C : 0);
  if (scaled) {
    std::fill(col_down, col_down + Cp, T(1));
    std::fill(col_shift, col_shift + Cp, T(1));
  }
  // Float walks of ReLU (unrescaled) and erf carry each pair's distance E (distance_form.hpp).
  const bool distance_form = uses_distance_form<T>(in.activation, scaled);
  T* state_e = distance_form ? ws.state_e.get(L * R * Cp) : nullptr;
  T* distances = distance_form ? ws.input_distance.get(R * Cp) : nullptr;
  if (distance_form) std::fill(state_e, state_e + L * R * Cp, T(0));
  ColumnArrays<T> columns(ws, L * Cp, distance_form && in.activation == Activation::kErf);

  const std::size_t longest = R && C ? std::min(in.row_length[0], in.col_length[0]) : 0;
  std::size_t rows_k = 0, cols_k = 0;
  for (std::size_t k = longest; k-- > 0;) {  // k: steps before the last step
    const std::size_t rows_before = rows_k, cols_before = cols_k;
    while (rows_k < R && in.row_length[rows_k] > k) ++rows_k;  // new rows start from zero state
    for (; cols_k < C && in.col_length[cols_k] > k; ++cols_k) {
      for (std::size_t l = 0; l < L; ++l) {
        for (std::size_t i = 0; i < rows_before; ++i) {
          for (T* a : {state_v, state_vth, sum_v, sum_vth}) {
            if (a) a[(l * R + i) * Cp + cols_k] = T(0);
          }
        }
      }
    }
    for (std::size_t j = 0; j < cols_k; ++j) {
      const SelfCell* cells = in.col_cells[j] - k * L;
      if (k >= 2) prefetch_cells(cells + 2 * L, L);
      for (std::size_t l = 0; l < L; ++l) columns.set(l * Cp + j, cells[l]);
      const double* x = in.col_values[j] - k * m;
      for (std::size_t d = 0; d < m; ++d) col_x[d * Cp + j] = static_cast<T>(x[d]);
    }
    bool columns_shift = false;
    if (scaled) {
      for (std::size_t j = 0; j < cols_k; ++j) {
        const int e = (in.col_cells[j] - k * L)->scale;
        col_shift[j] = j < cols_before ? std::ldexp(T(1), col_scale[j] - e) : T(1);  // a new column's state is 0
        columns_shift = columns_shift || col_shift[j] != T(1);
        col_scale[j] = e;
        col_down[j] = std::ldexp(T(1), -e);
      }
    }
    const std::size_t lanes = padded<W>(cols_k);
    for (std::size_t i = 0; i < rows_k; ++i) {
      const double* x = in.row_values[i] - k * m;
      for (std::size_t d = 0; d < m; ++d) row_x[i * m + d] = static_cast<T>(x[d]);
    }
    const T su2_over_m = static_cast<T>(in.coef.su2_over_m);
    if (distance_form) {  // the distance form needs no <x, x'> (distance_form.hpp)
      step_input_products<V, true>(row_x.data(), rows_k, col_x, m, lanes, Cp, su2_over_m, distances);
    } else {
      step_input_products<V>(row_x.data(), rows_k, col_x, m, lanes, Cp, su2_over_m, inputs);
    }
    for (std::size_t i = 0; i < rows_k; ++i) {
      const SelfCell* cells = in.row_cells[i] - k * L;
      if (k >= 2) prefetch_cells(cells + 2 * L, L);
      T* input = inputs + i * Cp;
      T* distance = distance_form ? distances + i * Cp : nullptr;
      if (scaled) {
        const int e = cells[0].scale;
        const T row_shift = i < rows_before ? std::ldexp(T(1), row_scale[i] - e) : T(1);
        row_scale[i] = e;
        scale_step_inputs<V>(std::ldexp(T(1), -e), col_down, static_cast<T>(in.coef.sb2), lanes, homogeneous, input, bias);
        if (row_shift != T(1) || columns_shift) {
          const auto shift = V::set1(row_shift);
          for (std::size_t l = 0; l < L; ++l) {
            for (T* a : {state_v, state_vth, sum_v, sum_vth}) {
              if (!a || (!homogeneous && (a == state_v || a == sum_v))) continue;
              T* row = a + (l * R + i) * Cp;
              for (std::size_t j = 0; j < lanes; j += W) {
                V::store(row + j, V::mul(V::load(row + j), V::mul(shift, V::load(col_shift + j))));
              }
            }
          }
        }
      }
      if (distance_form) {  // the pairs starting at this step: a new row's, a new column's
        for (std::size_t j = i < rows_before ? cols_before : 0; j < cols_k; ++j) {
          const SelfCell* col = in.col_cells[j] - k * L;
          const bool row_started = in.row_length[i] > k + 1, col_started = in.col_length[j] > k + 1;
          for (std::size_t l = 0; l < L; ++l) {
            state_e[(l * R + i) * Cp + j] = static_cast<T>(starting_distance(
                row_started ? cells - L + l : nullptr, col_started ? col - L + l : nullptr, in.coef.sh2));
          }
        }
      }
      // A diagonal tile of a symmetric Gram walks its upper triangle: row i from the vector that
      // holds column i (the engine mirrors the rest); rows past the last column, whole.
      const std::size_t first = in.upper_only && i < C ? std::min(i / W * W, lanes) : 0;
      for (std::size_t l = 0; l < L; ++l) {
        T* v = state_v + (l * R + i) * Cp + first;
        T* vth = state_vth + (l * R + i) * Cp + first;
        T* lane_bias = bias ? bias + first : nullptr;
        LayerLanes<T> lane{.v = v, .vth = vth, .input = input + first, .bias = homogeneous ? lane_bias : nullptr,
                           .th_down = homogeneous ? nullptr : lane_bias};
        if (l) lane.below_v = v - R * Cp, lane.below_vth = vth - R * Cp;
        if (distance_form) {  // V only where it is read out
          lane.e = state_e + (l * R + i) * Cp + first;
          if (l) lane.below_e = lane.e - R * Cp;
          lane.input_distance = distance + first;
          if (k > 0 && !per_step) lane.v = nullptr;
        }
        layer_update<V>(lane, cells[l], columns.lanes(l * Cp + first), lanes - first, in, l < in.frozen_layers,
                        lane_a, lane_b);
        if (per_step) {
          T* sv = sum_v + (l * R + i) * Cp + first;
          T* svth = sum_vth + (l * R + i) * Cp + first;
          for (std::size_t j = 0; j < lanes - first; j += W) {
            V::store(sv + j, V::add(V::load(sv + j), V::load(v + j)));
            V::store(svth + j, V::add(V::load(svth + j), V::load(vth + j)));
          }
        }
      }
    }
  }

  // Last state: the final state. Per-step readout: the sums, scaled by 1 / sqrt(T T'). A rescaled
  // walk's values are divided by 2^(e + e'), the scales of the two last steps; the engine applies it.
  const T* final_v = per_step ? sum_v : state_v;
  const T* final_vth = per_step ? sum_vth : state_vth;
  for (std::size_t l = 0; l < L; ++l) {
    if (!out.ntk[l] && !out.nngp[l]) continue;
    for (std::size_t i = 0; i < R; ++i) {
      const T* v = final_v + (l * R + i) * Cp;
      const T* vth = final_vth + (l * R + i) * Cp;
      for (std::size_t j = 0; j < C; ++j) {
        const double scale =
            in.coef.sv2 / (per_step ? std::sqrt(static_cast<double>(in.row_length[i]) * static_cast<double>(in.col_length[j])) : 1.0);
        // Where only Th is rescaled, V is brought to its scale.
        const int pair_scale = in.row_cells[i][0].scale + in.col_cells[j][0].scale;
        const T vv = scaled && !homogeneous ? std::ldexp(v[j], -pair_scale) : v[j];
        if (out.ntk[l]) out.ntk[l][i * out.ld + j] = scale * static_cast<double>(vv + vth[j]);
        if (out.nngp[l]) out.nngp[l][i * out.ld + j] = scale * static_cast<double>(v[j]);
      }
    }
  }
}

// Mean pooling (spec section 4) of one pair: every cell (t, t') of the time grid, all diagonals.
// Rows t are processed in order and each row is vectorised along t'. The state of a cell lives in
// the slot of its diagonal, slot (T - 1) + t' - t, so the previous cell of the same diagonal,
// (t - 1, t' - 1), is in the very slot the update reads and overwrites, and a row is a contiguous
// run of slots. A diagonal starts from zero state in a slot no row has used before. For a sample
// with itself (`same`), the cells t = t' take the exact self states (correlation 1). The kernels
// average the readout's cell kernels over the grid: K = sv^2 / (T T') sum_{t,t'} (v [+ vth]).
struct PairInput {
  const double* row_values;   // first step of the row sequence
  const double* col_values;
  const SelfCell* row_cells;  // first step's cells
  const SelfCell* col_cells;
  std::size_t row_length, col_length;
  bool same;
};

template <class V>
void mean_pool_pair(const TileInput& in, const PairInput& pair, Workspace<typename V::T>& ws,
                    double* ntk_by_depth, double* nngp_by_depth) {
  using T = typename V::T;
  constexpr std::size_t W = V::W;
  const std::size_t L = in.layers, m = in.dim, T1 = pair.row_length, T2 = pair.col_length;
  const std::size_t lanes = padded<W>(T2);
  const std::size_t slots = T1 + lanes;
  T* state_v = ws.state_v.get(L * slots);
  T* state_vth = ws.state_vth.get(L * slots);
  T* sum_v = ws.sum_v.get(L * lanes);
  T* sum_vth = ws.sum_vth.get(L * lanes);
  T* col_x = ws.col_x.get(m * lanes);
  T* input = ws.input.get(lanes);
  T* lane_a = ws.lane_a.get(lanes);
  T* lane_b = ws.lane_b.get(lanes);
  std::fill(state_v, state_v + L * slots, T(0));
  std::fill(state_vth, state_vth + L * slots, T(0));
  std::fill(sum_v, sum_v + L * lanes, T(0));
  std::fill(sum_vth, sum_vth + L * lanes, T(0));
  std::fill(col_x, col_x + m * lanes, T(0));
  // A rescaled pair (SelfCell::scale): cell (t, t') is carried divided by 2^(e_t + e'_t'). Along
  // a row the state of lane t' comes from cell (t - 1, t' - 1), so the column part of the change
  // of scale is a fixed factor per lane; the row part is one factor per row. The per-lane sums
  // are kept divided by 2^(e_t + e'_t'), the row part brought along as t advances.
  const bool homogeneous = is_homogeneous(in.activation);  // V is rescaled too, not only Th
  const bool scaled = pair.row_cells[(T1 - 1) * L].scale != 0 || pair.col_cells[(T2 - 1) * L].scale != 0;
  T* col_down = scaled ? ws.col_down.get(lanes) : nullptr;
  T* col_shift = scaled ? ws.col_shift.get(lanes) : nullptr;
  T* bias = scaled ? ws.bias.get(lanes) : nullptr;
  if (scaled) {
    std::fill(col_down, col_down + lanes, T(1));
    std::fill(col_shift, col_shift + lanes, T(1));
    for (std::size_t t = 0; t < T2; ++t) {
      const int e = pair.col_cells[t * L].scale;
      col_down[t] = std::ldexp(T(1), -e);
      if (t > 0) col_shift[t] = std::ldexp(T(1), pair.col_cells[(t - 1) * L].scale - e);
    }
  }
  // Float walks of ReLU (unrescaled) and erf carry the distance E (distance_form.hpp).
  const bool distance_form = uses_distance_form<T>(in.activation, scaled);
  T* state_e = distance_form ? ws.state_e.get(L * slots) : nullptr;
  T* distance = distance_form ? ws.input_distance.get(lanes) : nullptr;
  if (distance_form) std::fill(state_e, state_e + L * slots, T(0));
  ColumnArrays<T> columns(ws, L * lanes, distance_form && in.activation == Activation::kErf);
  for (std::size_t t = 0; t < T2; ++t) {
    for (std::size_t l = 0; l < L; ++l) columns.set(l * lanes + t, pair.col_cells[t * L + l]);
    for (std::size_t d = 0; d < m; ++d) col_x[d * lanes + t] = static_cast<T>(pair.col_values[t * m + d]);
  }
  std::vector<T> row_x(m);
  for (std::size_t t = 0; t < T1; ++t) {
    const std::size_t base = T1 - 1 - t;  // slot of cell (t, 0)
    for (std::size_t d = 0; d < m; ++d) row_x[d] = static_cast<T>(pair.row_values[t * m + d]);
    const T su2_over_m = static_cast<T>(in.coef.su2_over_m);
    if (distance_form) {  // the distance form needs no <x, x'> (distance_form.hpp)
      input_products<V, true>(row_x.data(), col_x, m, lanes, lanes, su2_over_m, distance);
    } else {
      input_products<V>(row_x.data(), col_x, m, lanes, lanes, su2_over_m, input);
    }
    if (scaled) {
      const int e = pair.row_cells[t * L].scale;
      const auto row_shift = V::set1(t > 0 ? std::ldexp(T(1), pair.row_cells[(t - 1) * L].scale - e) : T(1));
      scale_step_inputs<V>(std::ldexp(T(1), -e), col_down, static_cast<T>(in.coef.sb2), lanes, homogeneous, input, bias);
      for (std::size_t l = 0; l < L; ++l) {
        for (T* a : {state_v + l * slots + base, state_vth + l * slots + base}) {
          if (!homogeneous && a == state_v + l * slots + base) continue;
          for (std::size_t j = 0; j < lanes; j += W) {
            V::store(a + j, V::mul(V::load(a + j), V::mul(row_shift, V::load(col_shift + j))));
          }
        }
        for (T* a : {sum_v + l * lanes, sum_vth + l * lanes}) {
          if (!homogeneous && a == sum_v + l * lanes) continue;
          for (std::size_t j = 0; j < lanes; j += W) V::store(a + j, V::mul(V::load(a + j), row_shift));
        }
      }
    }
    if (distance_form) {  // the diagonals starting in this row: at (0, t') for t = 0, else at (t, 0)
      const SelfCell* row = pair.row_cells + t * L;
      for (std::size_t j = 0; j < (t == 0 ? T2 : 1); ++j) {
        const SelfCell* col = pair.col_cells + j * L;
        for (std::size_t l = 0; l < L; ++l) {
          state_e[l * slots + base + j] = static_cast<T>(
              starting_distance(t > 0 ? row - L + l : nullptr, j > 0 ? col - L + l : nullptr, in.coef.sh2));
        }
      }
    }
    for (std::size_t l = 0; l < L; ++l) {
      T* v = state_v + l * slots + base;
      T* vth = state_vth + l * slots + base;
      const SelfCell& row = pair.row_cells[t * L + l];
      LayerLanes<T> lane{.v = v, .vth = vth, .input = input, .bias = homogeneous ? bias : nullptr,
                         .th_down = homogeneous ? nullptr : bias};
      if (l) lane.below_v = v - slots, lane.below_vth = vth - slots;
      if (distance_form) {
        lane.e = state_e + l * slots + base;
        if (l) lane.below_e = lane.e - slots;
        lane.input_distance = distance;
      }
      layer_update<V>(lane, row, columns.lanes(l * lanes), lanes, in, l < in.frozen_layers, lane_a, lane_b);
      if (pair.same) {  // the cell t = t' of a sample with itself: correlation 1, distance 0
        v[t] = static_cast<T>(row.v);
        vth[t] = static_cast<T>(row.vth);
        if (distance_form) lane.e[t] = T(0);
      }
      T* sv = sum_v + l * lanes;
      T* svth = sum_vth + l * lanes;
      for (std::size_t j = 0; j < lanes; j += W) {
        V::store(sv + j, V::add(V::load(sv + j), V::load(v + j)));
        V::store(svth + j, V::add(V::load(svth + j), V::load(vth + j)));
      }
    }
  }
  // Divided by 2^(e + e'), the scales of the two last steps (the largest); the engine applies it.
  const double scale = in.coef.sv2 / (static_cast<double>(T1) * static_cast<double>(T2));
  // Where only Th is rescaled, the NNGP is not, and V is brought to Th's scale for the NTK.
  const int last_col_scale = pair.col_cells[(T2 - 1) * L].scale;
  const int last_scale = pair.row_cells[(T1 - 1) * L].scale + last_col_scale;
  for (std::size_t l = 0; l < L; ++l) {
    double total_v = 0.0, total_vth = 0.0;
    for (std::size_t j = 0; j < T2; ++j) {
      const int to_last = pair.col_cells[j * L].scale - last_col_scale;
      total_v += std::ldexp(static_cast<double>(sum_v[l * lanes + j]), homogeneous ? to_last : 0);
      total_vth += std::ldexp(static_cast<double>(sum_vth[l * lanes + j]), to_last);
    }
    ntk_by_depth[l] = scale * ((homogeneous ? total_v : std::ldexp(total_v, -last_scale)) + total_vth);
    nngp_by_depth[l] = scale * total_v;
  }
}

}  // namespace rntk::engine

namespace rntk::engine {

// The benchmark's calibration loop: the ReLU dual activation alone (spec section 2: V and V' from a
// correlation and a scale), on arrays that stay in the L1 cache, with the same vector type and
// arc-cosine (arcsine.hpp) as the tile walk. The cell throughput of the walk is compared with it.
template <class V>
void relu_dual_loop(const typename V::T* lam, const typename V::T* scale, typename V::T* v,
                    typename V::T* dv, std::size_t n, std::size_t repeats) {
  using T = typename V::T;
  const auto one = V::set1(T(1));
  const auto pi = V::set1(static_cast<T>(std::numbers::pi));
  const auto inv_two_pi = V::set1(static_cast<T>(0.5 / std::numbers::pi));
  for (std::size_t r = 0; r < repeats; ++r) {
    for (std::size_t j = 0; j < n; j += V::W) {
      const auto l = V::load(lam + j);
      const auto angle = V::sub(pi, arc_cosine<V>(l));
      const auto sine = V::sqrt(V::fnma(l, l, one));
      V::store(v + j, V::mul(V::mul(V::load(scale + j), V::fma(l, angle, sine)), inv_two_pi));
      V::store(dv + j, V::mul(angle, inv_two_pi));
    }
  }
}

// The benchmark's second reference: the ReLU cell update (relu_update, double) alone, over the
// state of one tile at one step (`rows` x `lanes` x 2 layers, row-major as in the walk, in cache),
// repeated: the walk's arithmetic without the walk around it (gathers, input products, readout).
// `v` and `vth` hold 2 * rows * lanes values, `input` rows * lanes, the column arrays 2 * lanes.
template <class V>
void relu_update_loop(double* v, double* vth, const double* input, const double* col_norm,
                      const double* col_inv_norm, const SelfCell& row, std::size_t rows, std::size_t lanes,
                      std::size_t repeats) {
  const Coefficients c{KernelParams{}, 1};
  for (std::size_t r = 0; r < repeats; ++r) {
    for (std::size_t i = 0; i < rows; ++i) {
      for (std::size_t l = 0; l < 2; ++l) {
        LayerLanes<double> x{.v = v + (l * rows + i) * lanes, .vth = vth + (l * rows + i) * lanes,
                             .input = input + i * lanes};
        if (l) x.below_v = x.v - rows * lanes, x.below_vth = x.vth - rows * lanes;
        relu_update<V, false>(x, row, col_norm + l * lanes, col_inv_norm + l * lanes, lanes, c, false);
      }
    }
  }
}

}  // namespace rntk::engine
