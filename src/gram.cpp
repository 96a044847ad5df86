#include "rntk/gram.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "parallel.hpp"
#include "rntk/error.hpp"
#include "rntk/stop.hpp"

namespace rntk {
namespace {

// Validates the settings and a set before anything is computed from them.
SequenceSetView checked(SequenceSetView set, const Settings& settings, const char* what) {
  validate(settings);
  set.validate(what);
  return set;
}

double dot(const double* a, const double* b, std::size_t m) {
  double s = 0.0;
  for (std::size_t d = 0; d < m; ++d) s += a[d] * b[d];
  return s;
}

// One pair of a tile being walked: the index of its output entry, its two sequences and the step
// index (into the sets' values) of each sequence's last step. The walk is `steps` cells long.
struct Lane {
  std::size_t out;
  std::size_t row, col;
  std::size_t row_last, col_last;
  std::size_t steps;
};

}  // namespace

std::vector<Tile> plan_tiles(std::size_t rows, std::size_t cols, bool symmetric,
                             std::size_t tile_size) {
  std::vector<Tile> tiles;
  for (std::size_t r = 0; r < rows; r += tile_size) {
    for (std::size_t c = symmetric ? r : 0; c < cols; c += tile_size) {
      tiles.push_back({r, std::min(rows, r + tile_size), c, std::min(cols, c + tile_size)});
    }
  }
  return tiles;
}

GramEngine::GramEngine(SequenceSetView x, const Settings& settings)
    : rows_(checked(x, settings, "sequence set")),
      cols_(x),
      settings_(settings),
      row_stats_(x, settings.kernel, settings.engine.threads) {}

GramEngine::GramEngine(SequenceSetView x, SequenceSetView y, const Settings& settings)
    : rows_(checked(x, settings, "row set")),
      cols_(checked(y, settings, "column set")),
      settings_(settings),
      row_stats_(x, settings.kernel, settings.engine.threads) {
  if (x.dim() != y.dim()) {
    throw input_error("row sequences have dimension " + std::to_string(x.dim()) +
                      " but column sequences have dimension " + std::to_string(y.dim()) +
                      "; both sets must have the same number of channels");
  }
  col_stats_.emplace(y, settings.kernel, settings.engine.threads);
}

void GramEngine::compute_tile(const Tile& tile, double* ntk, double* nngp) const {
  const SelfStats& col_stats = column_stats();
  const KernelParams& params = settings_.kernel;
  const Coefficients c(params, rows_.dim());
  const std::size_t m = rows_.dim();
  const std::size_t L = row_stats_.layers();
  const std::size_t tile_cols = tile.cols();
  const bool sym = symmetric();

  // Entries that need no walk are written now; the rest become lanes.
  std::vector<Lane> lanes;
  std::vector<std::size_t> mirrored;  // symmetric: entries whose transpose is in this tile
  lanes.reserve(tile.rows() * tile_cols);
  for (std::size_t i = tile.row_begin; i < tile.row_end; ++i) {
    for (std::size_t j = tile.col_begin; j < tile.col_end; ++j) {
      const std::size_t out = (i - tile.row_begin) * tile_cols + (j - tile.col_begin);
      if (sym && j < i && j >= tile.row_begin && i < tile.col_end) {
        mirrored.push_back(out);
        continue;
      }
      const SequenceView a = rows_[i];
      const SequenceView b = cols_[j];
      if ((sym && i == j) || same_sample(a, row_stats_.fingerprint(i), b, col_stats.fingerprint(j))) {
        if (ntk) ntk[out] = row_stats_.ntk_diagonal(i);
        if (nngp) nngp[out] = row_stats_.nngp_diagonal(i);
        continue;
      }
      const std::size_t row_last = static_cast<std::size_t>(rows_.offsets()[i + 1]) - 1;
      const std::size_t col_last = static_cast<std::size_t>(cols_.offsets()[j + 1]) - 1;
      lanes.push_back({out, i, j, row_last, col_last, std::min(a.length(), b.length())});
    }
  }

  // Longest walks first: at step k before the end, the lanes still walking are a prefix.
  std::stable_sort(lanes.begin(), lanes.end(),
                   [](const Lane& a, const Lane& b) { return a.steps > b.steps; });
  const std::size_t P = lanes.size();
  std::vector<LayerState> state(L * P);  // state[l * P + p]
  std::vector<double> input(P);
  std::size_t active = 0;
  const std::size_t longest = P ? lanes[0].steps : 0;
  for (std::size_t k = longest; k-- > 0;) {  // k: steps before the last step
    for (; active < P && lanes[active].steps > k; ++active) {
      for (std::size_t l = 0; l < L; ++l) state[l * P + active] = LayerState{};
    }
    for (std::size_t p = 0; p < active; ++p) {
      const Lane& lane = lanes[p];
      input[p] = c.su2_over_m * dot(rows_.values() + (lane.row_last - k) * m,
                                    cols_.values() + (lane.col_last - k) * m, m);
    }
    for (std::size_t l = 0; l < L; ++l) {
      LayerState* layer = &state[l * P];
      const LayerState* below = l ? &state[(l - 1) * P] : nullptr;
      for (std::size_t p = 0; p < active; ++p) {
        const Lane& lane = lanes[p];
        const double in = below ? c.su2 * below[p].v : input[p];
        const double in_th = below ? c.su2 * below[p].vth : 0.0;
        const Preactivations pre = cell_preactivations(c, layer[p], in, in_th);
        const SelfCell& ci = row_stats_.step_cells(lane.row_last - k)[l];
        const SelfCell& cj = col_stats.step_cells(lane.col_last - k)[l];
        layer[p] = next_state(dual(params.activation, pre.s, ci.q, ci.norm, cj.q, cj.norm), pre.th);
      }
    }
  }

  const LayerState* top = &state[(L - 1) * P];
  for (std::size_t p = 0; p < P; ++p) {
    const double gp = c.sv2 * top[p].v;
    const double tk = c.sv2 * (top[p].v + top[p].vth);
    if (!std::isfinite(gp) || !std::isfinite(tk)) {
      throw numeric_error(overflow_message(lanes[p].row, lanes[p].col, params));
    }
    if (ntk) ntk[lanes[p].out] = tk;
    if (nngp) nngp[lanes[p].out] = gp;
  }
  for (const std::size_t out : mirrored) {
    const std::size_t r = out / tile_cols;
    const std::size_t col = out % tile_cols;
    // (row_begin + r, col_begin + col) mirrors (col_begin + col, row_begin + r) in this tile.
    const std::size_t transpose = (tile.col_begin + col - tile.row_begin) * tile_cols +
                                  (tile.row_begin + r - tile.col_begin);
    if (ntk) ntk[out] = ntk[transpose];
    if (nngp) nngp[out] = nngp[transpose];
  }
}

GramResult GramEngine::compute(KernelSelection selection) const {
  GramResult result;
  if (selection.ntk) result.ntk = Matrix(rows(), cols());
  if (selection.nngp) result.nngp = Matrix(rows(), cols());
  const std::vector<Tile> tiles =
      plan_tiles(rows(), cols(), symmetric(), static_cast<std::size_t>(settings_.engine.tile_size));
  FirstError first_error;

#pragma omp parallel for num_threads(resolve_threads(settings_.engine.threads)) schedule(dynamic, 1)
  for (std::size_t t = 0; t < tiles.size(); ++t) {
    first_error.run([&] {
      throw_if_stop_requested();
      const Tile& tile = tiles[t];
      const std::size_t n = tile.rows() * tile.cols();
      std::vector<double> ntk(selection.ntk ? n : 0);
      std::vector<double> nngp(selection.nngp ? n : 0);
      compute_tile(tile, selection.ntk ? ntk.data() : nullptr,
                   selection.nngp ? nngp.data() : nullptr);
      // Scatter the tile, and its transpose for a symmetric matrix.
      auto place = [&](Matrix& target, const std::vector<double>& block) {
        for (std::size_t r = 0; r < tile.rows(); ++r) {
          for (std::size_t col = 0; col < tile.cols(); ++col) {
            const double value = block[r * tile.cols() + col];
            target(tile.row_begin + r, tile.col_begin + col) = value;
            if (symmetric()) target(tile.col_begin + col, tile.row_begin + r) = value;
          }
        }
      };
      if (selection.ntk) place(result.ntk, ntk);
      if (selection.nngp) place(result.nngp, nngp);
    });
  }
  first_error.rethrow();
  return result;
}

GramResult gram(SequenceSetView x, const Settings& settings, KernelSelection selection) {
  return GramEngine(x, settings).compute(selection);
}

GramResult gram(SequenceSetView x, SequenceSetView y, const Settings& settings,
                KernelSelection selection) {
  return GramEngine(x, y, settings).compute(selection);
}

}  // namespace rntk
