// The RNTK recursion (spec section 3) as a fold over a small state. A walk visits the cells
// (t, t') of one diagonal of the time grid, aligned at the last step; at each cell it updates the
// layers bottom-up. Per layer the state is two numbers of the current cell:
//
//   v   = V [K^l_{t,t'}]                 (what the NNGP reads out, and what feeds the next cell)
//   vth = V'[K^l_{t,t'}] * Th^l_{t,t'}   (what the NTK adds to it)
//
// so the last cell's top layer gives  K_gp = sv^2 v  and  K_ntk = sv^2 (v + vth). Frozen layers
// (spec section 4) have Th = 0, so vth = 0, and add nothing to the layers above.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "rntk/activations.hpp"
#include "rntk/matrix.hpp"
#include "rntk/params.hpp"
#include "rntk/sequences.hpp"

namespace rntk {

struct LayerState {
  double v = 0.0;
  double vth = 0.0;
};

// The squared scales the recursion uses, computed once.
struct Coefficients {
  explicit Coefficients(const KernelParams& p, std::size_t input_dim)
      : sw2(p.sigma_w * p.sigma_w),
        su2(p.sigma_u * p.sigma_u),
        su2_over_m(su2 / static_cast<double>(input_dim)),
        sb2(p.sigma_b * p.sigma_b),
        sh2(p.sigma_h * p.sigma_h),
        sv2(p.sigma_v * p.sigma_v) {}
  double sw2, su2, su2_over_m, sb2, sh2, sv2;
};

// S^l and Th^l of one cell (spec section 3):
//   S^l  = sw^2 V[K^l_{t-1,t'-1}] + I^l + sb^2
//   Th^l = S^l + sw^2 V'[K^l_{t-1,t'-1}] Th^l_{t-1,t'-1} + (input part of Th)
// `previous` is this layer at the previous cell of the walk. A walk of two different samples starts
// from {0, 0} (h_0 is independent of everything later); the walk of a sample with itself starts
// from {sh^2, 0}, which makes the first recurrent term sw^2 sh^2 and adds no tangent term (h_0 is
// not trained). `input` is I^l: (su^2 / m) <x_t, x'_t'> for layer 1, su^2 V[K^(l-1)_{t,t'}] above;
// `input_th` is 0 for layer 1, su^2 V'[K^(l-1)_{t,t'}] Th^(l-1)_{t,t'} above. A frozen layer's Th
// is 0.
struct Preactivations {
  double s;
  double th;
};
inline Preactivations cell_preactivations(const Coefficients& c, LayerState previous,
                                          double input, double input_th, bool frozen) {
  const double s = c.sw2 * previous.v + input + c.sb2;
  return {s, frozen ? 0.0 : s + c.sw2 * previous.vth + input_th};
}

// The state of a layer once its dual activation at the cell is known.
inline LayerState next_state(DualValues d, double th) { return {d.v, d.dv * th}; }

// What the pair walk needs of one sequence at one (step, layer): its variance q^l_t = S^l_{t,t}(x, x)
// and what the dual activations derive from it, so that a pair cell needs no division or root of
// its own: norm = Duals::norm(q) (sqrt(1 + 2q) for erf, sqrt(q) otherwise), inv_norm = 1 / norm and
// inv_q = 1 / q, each 0 where its denominator is 0. And the state {v, vth} of the walk of the
// sequence with itself at that cell (mean pooling sets a same-sample pair's cells t = t' to it).
//
// Long sequences (docs/DESIGN.md, "Numerics: long sequences"): vth is stored divided by
// 2^(2 scale), and so are q and v for the homogeneous activations (is_homogeneous), whose whole
// recursion is homogeneous; the others have bounded S and V, and only Th, linear in its sources,
// grows. scale (the same for every layer of the step) never decreases along the sequence and stays
// 0 until the rescaled values pass 2^64; a pair's rescaled values at cell (t, t') are carried
// divided by 2^(scale_t + scale'_t'). Division by a power of two is exact, so nothing changes but
// the range.
struct SelfCell {
  double q = 0.0;
  double norm = 0.0;
  double inv_norm = 0.0;
  double inv_q = 0.0;
  double v = 0.0;
  double vth = 0.0;
  int scale = 0;
};

// Per-sequence statistics, computed once per sequence (O(T L m) each): the self cells of every
// step and layer, the kernel of the sequence with itself for every depth (last-state and per-step
// readouts; mean pooling's is set by the engine, which owns that walk), and a fingerprint that
// finds equal sequences quickly. Two sequences with equal length and values are the same sample:
// they share h_0, so their kernel is the diagonal value (this makes K(X, Y) with Y = X equal
// K(X, X)).
class SelfStats {
 public:
  SelfStats(SequenceSetView set, const KernelParams& params, int threads);

  std::size_t layers() const { return layers_; }
  // The layers() cells of a step, indexed as in the set's values: step t of sequence i is
  // first_step(i) + t.
  const SelfCell* step_cells(std::size_t step) const { return &cells_[step * layers_]; }
  // K(x_i, x_i) of a network of `depth` layers (1 .. layers()), by default the deepest, divided by
  // 2^(2 scale(i)) (NTK) or 2^(2 nngp_scale(i)) (NNGP): finite where K(x_i, x_i) is beyond double.
  double ntk_diagonal(std::size_t i, std::size_t depth = 0) const {
    return ntk_diagonal_[i * layers_ + (depth ? depth : layers_) - 1];
  }
  double nngp_diagonal(std::size_t i, std::size_t depth = 0) const {
    return nngp_diagonal_[i * layers_ + (depth ? depth : layers_) - 1];
  }
  void set_diagonal(std::size_t i, std::size_t depth, double ntk, double nngp) {
    ntk_diagonal_[i * layers_ + depth - 1] = ntk;
    nngp_diagonal_[i * layers_ + depth - 1] = nngp;
  }
  std::uint64_t fingerprint(std::size_t i) const { return fingerprint_[i]; }
  // The scale of sequence i's last step (SelfCell::scale), its largest; the NNGP's is 0 for the
  // activations whose V is not rescaled.
  int scale(std::size_t i) const { return scale_[i]; }
  int nngp_scale(std::size_t i) const { return nngp_rescaled_ ? scale_[i] : 0; }

 private:
  std::size_t layers_;
  // Unwritten when allocated: the constructor's threads write every cell of every sequence and so
  // take its page faults between them. The table is 56 bytes per step and layer, 28 MiB for 2000
  // sequences of 128 steps and 2 layers, where zero-filling it on one thread first made the
  // constructor take 14-19 ms instead of 4 ms with its memory already mapped.
  std::vector<SelfCell, UninitializedAllocator<SelfCell>> cells_;
  std::vector<double> ntk_diagonal_;   // [sequence][depth - 1]
  std::vector<double> nngp_diagonal_;
  std::vector<std::uint64_t> fingerprint_;
  std::vector<int> scale_;
  bool nngp_rescaled_;
};

// True when a and b have the same length and the same values (fingerprints first, then values).
bool same_sample(SequenceView a, std::uint64_t fingerprint_a, SequenceView b,
                 std::uint64_t fingerprint_b);

// Resolves threads = 0 to the number of hardware threads.
int resolve_threads(int threads);

// The message of the error raised when K(row, col) is not finite: which parameters to change.
// `normalisable`: the kernel overflowed only after rescaling was undone, so the cosine-normalised
// kernel is finite; the message says so.
std::string overflow_message(std::size_t row, std::size_t col, const KernelParams& params,
                             bool normalisable = false);

}  // namespace rntk
