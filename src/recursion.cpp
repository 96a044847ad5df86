#include "rntk/recursion.hpp"

#include <omp.h>

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
      fingerprint_(set.size()) {
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
      for (std::size_t t = 0; t < x.length(); ++t) {
        SelfCell* cell = &cells_[(set.first_step(i) + t) * L];
        double input = c.su2_over_m * squared_norm(x.step(t), x.dim());
        double input_th = 0.0;
        for (std::size_t l = 0; l < L; ++l) {
          const Preactivations p = cell_preactivations(c, state[l], input, input_th, l < frozen);
          state[l] = next_state(duals.self(p.s), p.th);
          const double norm = duals.norm(p.s);
          cell[l] = {p.s, norm, norm > 0.0 ? 1.0 / norm : 0.0, p.s > 0.0 ? 1.0 / p.s : 0.0, state[l].v, state[l].vth};
          sum[l].v += state[l].v;
          sum[l].vth += state[l].vth;
          input = c.su2 * state[l].v;
          input_th = c.su2 * state[l].vth;
        }
      }
      const double per_step = 1.0 / static_cast<double>(x.length());
      for (std::size_t l = 0; l < L; ++l) {
        const LayerState out = params.readout == Readout::kSteps ? LayerState{sum[l].v * per_step, sum[l].vth * per_step}
                                                                 : state[l];
        nngp_diagonal_[i * L + l] = c.sv2 * out.v;
        ntk_diagonal_[i * L + l] = c.sv2 * (out.v + out.vth);
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

std::string overflow_message(std::size_t row, std::size_t col, const KernelParams& params) {
  return "kernel value K(" + std::to_string(row) + ", " + std::to_string(col) +
         ") overflowed double precision: the kernels grow like sigma_w^(2T) over T steps when "
         "sigma_w is above its critical value (sqrt(2) for relu); lower sigma_w (now " +
         param_spec("sigma_w").format(params.sigma_w) +
         "), sigma_u or sigma_b, or shorten the sequences";
}

}  // namespace rntk
