#include "rntk/recursion.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "rntk/error.hpp"
#include "parallel.hpp"

namespace rntk {
namespace {

double squared_norm(const double* a, std::size_t m) {
  double s = 0.0;
  for (std::size_t d = 0; d < m; ++d) s += a[d] * a[d];
  return s;
}

}  // namespace

int resolve_threads(int threads) { return threads > 0 ? threads : omp_get_num_procs(); }

bool same_sample(SequenceView a, std::uint64_t fingerprint_a, SequenceView b,
                 std::uint64_t fingerprint_b) {
  if (fingerprint_a != fingerprint_b || a.length() != b.length() || a.dim() != b.dim()) return false;
  const std::size_t n = a.length() * a.dim();
  for (std::size_t k = 0; k < n; ++k) {
    if (a.data()[k] != b.data()[k]) return false;
  }
  return true;
}

SelfStats::SelfStats(SequenceSetView set, const KernelParams& params, int threads)
    : layers_(static_cast<std::size_t>(params.layers)),
      cells_(set.step_span() * layers_),
      ntk_diagonal_(set.size() * layers_),
      nngp_diagonal_(set.size() * layers_),
      fingerprint_(set.size()),
      scale_(set.size(), 0),
      nngp_rescaled_(is_homogeneous(params.activation)) {
  const Coefficients c(params, set.dim());
  const Duals duals(params);
  const std::size_t L = layers_;
  const std::size_t frozen = static_cast<std::size_t>(params.frozen_layers);
  FirstError first_error;

#pragma omp parallel for num_threads(resolve_threads(threads)) schedule(dynamic, 16)
  for (std::size_t i = 0; i < set.size(); ++i) {
    first_error.run([&] {
      const SequenceView x = set[i];
      fingerprint_[i] = rntk::fingerprint(x);
      // The walk of x with itself along t = t': every cell has correlation exactly 1.
      std::vector<LayerState> state(L, LayerState{c.sh2, 0.0});
      std::vector<LayerState> sum(L);  // over steps, for the per-step readout
      int scale = 0;                   // this step's rescaled values are divided by 2^(2 scale)
      Coefficients scaled = c;
      for (std::size_t t = 0; t < x.length(); ++t) {
        // Past 2^64, divide by the power of 4 that brings the largest rescaled value below 1: a
        // deterministic function of the sequence alone, so every pair it is in agrees on it.
        double largest = 0.0;
        for (std::size_t l = 0; l < L; ++l) {
          largest = std::max({largest, std::abs(state[l].vth), std::abs(sum[l].vth)});
          if (nngp_rescaled_) largest = std::max({largest, std::abs(state[l].v), std::abs(sum[l].v)});
        }
        if (largest > 0x1p64 && std::isfinite(largest)) {
          const int step = std::ilogb(largest) / 2 + 1;
          scale += step;
          for (std::size_t l = 0; l < L; ++l) {
            for (double* a : {&state[l].vth, &sum[l].vth}) *a = std::ldexp(*a, -2 * step);
            if (!nngp_rescaled_) continue;
            for (double* a : {&state[l].v, &sum[l].v}) *a = std::ldexp(*a, -2 * step);
          }
          if (nngp_rescaled_) scaled.sb2 = std::ldexp(c.sb2, -2 * scale);
        }
        SelfCell* cell = &cells_[(set.first_step(i) + t) * L];
        double input =
            std::ldexp(c.su2_over_m * squared_norm(x.step(t), x.dim()), nngp_rescaled_ ? -2 * scale : 0);
        double input_th = 0.0;
        for (std::size_t l = 0; l < L; ++l) {
          Preactivations p = cell_preactivations(scaled, state[l], input, input_th, l < frozen);
          // Only Th is rescaled: its source S enters divided by the scale.
          if (!nngp_rescaled_ && scale > 0 && l >= frozen) {
            p.th = std::ldexp(p.s, -2 * scale) + c.sw2 * state[l].vth + input_th;
          }
          state[l] = next_state(duals.self(p.s), p.th);
          const double norm = duals.norm(p.s);
          cell[l] = {p.s, norm, norm > 0.0 ? 1.0 / norm : 0.0, p.s > 0.0 ? 1.0 / p.s : 0.0,
                     state[l].v, state[l].vth, scale};
          sum[l].v += state[l].v;
          sum[l].vth += state[l].vth;
          input = c.su2 * state[l].v;
          input_th = c.su2 * state[l].vth;
        }
      }
      scale_[i] = scale;
      const double per_step = 1.0 / static_cast<double>(x.length());
      for (std::size_t l = 0; l < L; ++l) {
        const LayerState out = params.readout == Readout::kSteps ? LayerState{sum[l].v * per_step, sum[l].vth * per_step}
                                                                 : state[l];
        nngp_diagonal_[i * L + l] = c.sv2 * out.v;
        ntk_diagonal_[i * L + l] = c.sv2 * ((nngp_rescaled_ ? out.v : std::ldexp(out.v, -2 * scale)) + out.vth);
      }
      if (!std::isfinite(ntk_diagonal_[i * L + L - 1]) || !std::isfinite(nngp_diagonal_[i * L + L - 1])) {
        throw numeric_error(overflow_message(i, i, params));
      }
    });
  }
  first_error.rethrow();
}

}  // namespace rntk

namespace rntk {

std::string overflow_message(std::size_t row, std::size_t col, const KernelParams& params, bool normalisable) {
  return "kernel value K(" + std::to_string(row) + ", " + std::to_string(col) +
         ") overflowed double precision: the kernels grow like sigma_w^(2T) over T steps when "
         "sigma_w is above its critical value (sqrt(2) for relu); lower sigma_w (now " +
         param_spec("sigma_w").format(params.sigma_w) + "), sigma_u or sigma_b, or shorten the sequences" +
         (normalisable ? "; or use the cosine-normalised kernel (cosine = true), which stays finite" : "");
}

}  // namespace rntk
