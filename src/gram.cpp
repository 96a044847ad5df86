#include "rntk/gram.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "engine/dispatch.hpp"
#include "engine/tile_walk.hpp"
#include "parallel.hpp"
#include "rntk/error.hpp"
#include "rntk/stop.hpp"

namespace rntk {

// One side (rows or columns) in engine order: lengths, and where each sequence's last step is.
struct GramEngine::Side {
  std::vector<std::size_t> length;
  std::vector<const double*> last_values;
  std::vector<const SelfCell*> last_cells;
};

namespace {

// Validates the settings and a set before anything is computed from them.
SequenceSetView checked(SequenceSetView set, const Settings& settings, const char* what) {
  validate(settings);
  set.validate(what);
  return set;
}

std::vector<std::size_t> longest_first(SequenceSetView set) {
  std::vector<std::size_t> order(set.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return set.length(a) > set.length(b); });
  return order;
}

template <class T>
engine::Workspace<T>& workspace() {
  thread_local engine::Workspace<T> w;
  return w;
}

template <class T>
void run_walk(Simd simd, const engine::TileInput& in, const engine::TileOutput& out) {
  switch (simd) {
    case Simd::kAvx512:
      return engine::walk_avx512(in, workspace<T>(), out);
    case Simd::kAvx2:
      return engine::walk_avx2(in, workspace<T>(), out);
    default:
      return engine::walk_portable(in, workspace<T>(), out);
  }
}

template <class T>
void run_mean_pool(Simd simd, const engine::TileInput& in, const engine::PairInput& pair, double* ntk, double* nngp) {
  switch (simd) {
    case Simd::kAvx512:
      return engine::mean_pool_avx512(in, pair, workspace<T>(), ntk, nngp);
    case Simd::kAvx2:
      return engine::mean_pool_avx2(in, pair, workspace<T>(), ntk, nngp);
    default:
      return engine::mean_pool_portable(in, pair, workspace<T>(), ntk, nngp);
  }
}

void mean_pool(const Settings& s, const engine::TileInput& in, const engine::PairInput& pair, double* ntk, double* nngp) {
  if (s.engine.precision == Precision::kFloat) {
    run_mean_pool<float>(s.engine.simd, in, pair, ntk, nngp);
  } else {
    run_mean_pool<double>(s.engine.simd, in, pair, ntk, nngp);
  }
}

// A fixed order of two different sequences (longer first, then by fingerprint, then by values), so
// that the mean-pooled kernel of a pair is summed in the same order whichever side it is on.
bool goes_first(SequenceView a, std::uint64_t fa, SequenceView b, std::uint64_t fb) {
  if (a.length() != b.length()) return a.length() > b.length();
  if (fa != fb) return fa > fb;
  return std::lexicographical_compare(b.data(), b.data() + b.length() * b.dim(), a.data(),
                                      a.data() + a.length() * a.dim());
}

engine::PairInput pair_input(SequenceSetView set_a, const SelfStats& a, std::size_t i, SequenceSetView set_b,
                             const SelfStats& b, std::size_t j, bool same) {
  return {set_a[i].data(), set_b[j].data(), a.step_cells(set_a.first_step(i)), b.step_cells(set_b.first_step(j)),
          set_a.length(i), set_b.length(j), same};
}

}  // namespace

Simd resolve_simd(Simd requested) {
  __builtin_cpu_init();
  const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (requested == Simd::kAuto) return avx512 ? Simd::kAvx512 : avx2 ? Simd::kAvx2 : Simd::kPortable;
  if ((requested == Simd::kAvx512 && !avx512) || (requested == Simd::kAvx2 && !avx2)) {
    throw parameter_error("parameter simd = " + param_spec("simd").format(static_cast<double>(requested)) +
                          " is not supported by this processor; use auto");
  }
  return requested;
}

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
      row_stats_(x, settings.kernel, settings.engine.threads),
      row_order_(longest_first(x)),
      col_order_(row_order_) {
  settings_.engine.simd = resolve_simd(settings.engine.simd);
  duals_ = std::make_unique<Duals>(settings.kernel);
  if (settings.kernel.readout == Readout::kMean) mean_pool_diagonals(x, row_stats_);
  row_side_ = std::make_unique<Side>();
  for (std::size_t i : row_order_) {
    const std::size_t last = x.last_step(i);
    row_side_->length.push_back(x.length(i));
    row_side_->last_values.push_back(x.values() + last * x.dim());
    row_side_->last_cells.push_back(row_stats_.step_cells(last));
  }
}

GramEngine::GramEngine(SequenceSetView x, SequenceSetView y, const Settings& settings)
    : GramEngine(x, settings) {
  cols_ = checked(y, settings, "column set");
  if (x.dim() != y.dim()) {
    throw input_error("row sequences have dimension " + std::to_string(x.dim()) +
                      " but column sequences have dimension " + std::to_string(y.dim()) +
                      "; both sets must have the same number of channels");
  }
  col_stats_.emplace(y, settings.kernel, settings.engine.threads);
  if (settings.kernel.readout == Readout::kMean) mean_pool_diagonals(y, *col_stats_);
  col_order_ = longest_first(y);
  col_side_ = std::make_unique<Side>();
  for (std::size_t j : col_order_) {
    const std::size_t last = y.last_step(j);
    col_side_->length.push_back(y.length(j));
    col_side_->last_values.push_back(y.values() + last * y.dim());
    col_side_->last_cells.push_back(col_stats_->step_cells(last));
  }
}

GramEngine::~GramEngine() = default;

std::size_t resolve_tile_size(int tile_size, std::size_t rows, std::size_t cols, bool symmetric, int threads) {
  if (tile_size > 0) return static_cast<std::size_t>(tile_size);
  const std::size_t a = (rows + 127) / 128, b = (cols + 127) / 128;
  const std::size_t tiles = symmetric ? a * (a + 1) / 2 : a * b;
  return tiles >= 8 * static_cast<std::size_t>(resolve_threads(threads)) ? 128 : 64;
}

std::vector<Tile> GramEngine::tiles() const {
  return plan_tiles(rows(), cols(), symmetric(),
                    resolve_tile_size(settings_.engine.tile_size, rows(), cols(), symmetric(), settings_.engine.threads));
}

engine::TileInput GramEngine::tile_input(const Tile& tile) const {
  engine::TileInput in = pair_settings();
  const Side& rs = *row_side_;
  const Side& cs = col_side_ ? *col_side_ : *row_side_;
  in.rows = tile.rows();
  in.cols = tile.cols();
  in.row_length = rs.length.data() + tile.row_begin;
  in.col_length = cs.length.data() + tile.col_begin;
  in.row_values = rs.last_values.data() + tile.row_begin;
  in.col_values = cs.last_values.data() + tile.col_begin;
  in.row_cells = rs.last_cells.data() + tile.row_begin;
  in.col_cells = cs.last_cells.data() + tile.col_begin;
  in.upper_only = symmetric() && tile.row_begin == tile.col_begin;
  return in;
}

// What every walk reads besides its sequences.
engine::TileInput GramEngine::pair_settings() const {
  engine::TileInput in;
  in.layers = row_stats_.layers();
  in.dim = rows_.dim();
  in.coef = Coefficients(settings_.kernel, rows_.dim());
  in.activation = settings_.kernel.activation;
  in.readout = settings_.kernel.readout;
  in.frozen_layers = static_cast<std::size_t>(settings_.kernel.frozen_layers);
  in.leaky_slope = settings_.kernel.leaky_slope;
  in.duals = duals_.get();
  return in;
}

// A sequence with itself under mean pooling: the whole grid of the pair (x, x), O(T^2 L).
void GramEngine::mean_pool_diagonals(SequenceSetView set, SelfStats& stats) const {
  const engine::TileInput in = pair_settings();
  const std::size_t L = stats.layers();
  FirstError first_error;
#pragma omp parallel for num_threads(resolve_threads(settings_.engine.threads)) schedule(dynamic, 1)
  for (std::size_t i = 0; i < set.size(); ++i) {
    first_error.run([&] {
      std::vector<double> ntk(L), nngp(L);
      mean_pool(settings_, in, pair_input(set, stats, i, set, stats, i, true), ntk.data(), nngp.data());
      for (std::size_t l = 0; l < L; ++l) stats.set_diagonal(i, l + 1, ntk[l], nngp[l]);
    });
  }
  first_error.rethrow();
}

TileResult GramEngine::compute_tile(const Tile& tile, KernelSelection selection) const {
  TileResult result;
  compute_tile(tile, selection, result);
  return result;
}

void GramEngine::compute_tile(const Tile& tile, KernelSelection selection, TileResult& result) const {
  const SelfStats& col_stats = column_stats();
  const std::size_t L = row_stats_.layers();
  const std::size_t R = tile.rows(), C = tile.cols();
  const bool sym = symmetric();

  result.ntk.resize(L);
  result.nngp.resize(L);
  engine::TileOutput out{C, std::vector<double*>(L, nullptr), std::vector<double*>(L, nullptr)};
  for (std::size_t l = 0; l < L; ++l) {
    const bool wanted = l + 1 == L || selection.all_depths;
    result.ntk[l].resize(wanted && selection.ntk ? R * C : 0);
    result.nngp[l].resize(wanted && selection.nngp ? R * C : 0);
    if (!result.ntk[l].empty()) out.ntk[l] = result.ntk[l].data();
    if (!result.nngp[l].empty()) out.nngp[l] = result.nngp[l].data();
  }
  const engine::TileInput in = tile_input(tile);
  if (settings_.kernel.readout == Readout::kMean) {
    // Mean pooling walks every pair's whole grid, in a fixed orientation (goes_first).
    std::vector<double> ntk(L), nngp(L);
    for (std::size_t r = 0; r < R; ++r) {
      const std::size_t i = row_order_[tile.row_begin + r];
      for (std::size_t c = 0; c < C; ++c) {
        const std::size_t j = col_order_[tile.col_begin + c];
        const bool row_first = goes_first(rows_[i], row_stats_.fingerprint(i), cols_[j], col_stats.fingerprint(j));
        mean_pool(settings_, in,
                  row_first ? pair_input(rows_, row_stats_, i, cols_, col_stats, j, false)
                            : pair_input(cols_, col_stats, j, rows_, row_stats_, i, false),
                  ntk.data(), nngp.data());
        for (std::size_t l = 0; l < L; ++l) {
          if (out.ntk[l]) out.ntk[l][r * C + c] = ntk[l];
          if (out.nngp[l]) out.nngp[l][r * C + c] = nngp[l];
        }
      }
    }
  } else if (settings_.engine.precision == Precision::kFloat) {
    run_walk<float>(settings_.engine.simd, in, out);
  } else {
    run_walk<double>(settings_.engine.simd, in, out);
  }

  // Entries the walk does not own: a sample with itself (its exact self value), and in a diagonal
  // tile of a symmetric engine, the mirror of the upper triangle. Then, unless the selection keeps
  // them scaled, each value times 2^(scale(i) + scale(j)) (exact: a power of two).
  const bool diagonal_tile = sym && tile.row_begin == tile.col_begin;
  const std::string precision_hint =
      settings_.engine.precision == Precision::kFloat ? ", or use precision = double" : "";
  // The columns' sequences, fingerprints and scales, looked up once per tile.
  std::vector<std::size_t> col_index(C);
  std::vector<std::uint64_t> col_fingerprint(C);
  std::vector<int> col_scale(C), col_nngp_scale(C);
  for (std::size_t c = 0; c < C; ++c) {
    const std::size_t j = col_order_[tile.col_begin + c];
    col_index[c] = j, col_fingerprint[c] = col_stats.fingerprint(j);
    col_scale[c] = col_stats.scale(j), col_nngp_scale[c] = col_stats.nngp_scale(j);
  }
  // A plain tile (the common case): no value to rescale, and every value the walk owns finite, so
  // only its mirror and same-sample entries need setting.
  bool plain = true;
  for (std::size_t c = 0; c < C; ++c) plain = plain && (selection.scaled || (col_scale[c] == 0 && col_nngp_scale[c] == 0));
  for (std::size_t r = 0; r < R && plain; ++r) {
    const std::size_t i = row_order_[tile.row_begin + r];
    plain = selection.scaled || (row_stats_.scale(i) == 0 && row_stats_.nngp_scale(i) == 0);
  }
  for (std::size_t l = 0; l < L && plain; ++l) {
    for (const std::vector<double>* block : {&result.ntk[l], &result.nngp[l]}) {
      if (block->empty()) continue;
      bool finite = true;
      for (std::size_t r = 0; r < R; ++r) {
        for (std::size_t c = diagonal_tile && r < C ? r : 0; c < C; ++c) finite = finite && std::isfinite((*block)[r * C + c]);
      }
      plain = plain && finite;
    }
  }
  for (std::size_t r = 0; r < R; ++r) {
    const std::size_t i = row_order_[tile.row_begin + r];
    const std::uint64_t fingerprint = row_stats_.fingerprint(i);
    for (std::size_t c = 0; c < C; ++c) {
      const std::size_t j = col_index[c];
      const bool mirror = diagonal_tile && c < r && r < C;  // (c, r) is in the tile
      // The fingerprint first: most pairs differ (and a sample with itself has equal ones).
      const bool same = !mirror && col_fingerprint[c] == fingerprint &&
                        ((sym && i == j) || same_sample(rows_[i], fingerprint, cols_[j], fingerprint));
      if (plain && !mirror && !same) continue;  // finite (checked above) and nothing to rescale
      const int ntk_scale = row_stats_.scale(i) + col_scale[c];
      const int nngp_scale = row_stats_.nngp_scale(i) + col_nngp_scale[c];
      for (std::size_t l = 0; l < L; ++l) {
        for (const bool is_ntk : {true, false}) {
          std::vector<double>& block = is_ntk ? result.ntk[l] : result.nngp[l];
          if (block.empty()) continue;
          double& value = block[r * C + c];
          if (mirror) {
            value = block[c * C + r];
            continue;
          }
          if (same) {
            value = is_ntk ? row_stats_.ntk_diagonal(i, l + 1) : row_stats_.nngp_diagonal(i, l + 1);
          } else if (!std::isfinite(value)) {
            throw numeric_error(overflow_message(i, j, settings_.kernel) + precision_hint);
          }
          const int scale = is_ntk ? ntk_scale : nngp_scale;
          if (selection.scaled || scale == 0) continue;
          value = std::ldexp(value, scale);
          if (!std::isfinite(value)) throw numeric_error(overflow_message(i, j, settings_.kernel, true));
        }
      }
    }
  }
}

GramResult GramEngine::allocate(KernelSelection selection) const {
  GramResult result;
  if (selection.scaled) {
    for (std::size_t i = 0; i < rows(); ++i) {
      result.ntk_scale.row.push_back(row_stats_.scale(i));
      result.nngp_scale.row.push_back(row_stats_.nngp_scale(i));
    }
    for (std::size_t j = 0; j < cols(); ++j) {
      result.ntk_scale.col.push_back(column_stats().scale(j));
      result.nngp_scale.col.push_back(column_stats().nngp_scale(j));
    }
  }
  // Unwritten: the tiles cover the matrix (plan_tiles; a symmetric engine's scatter writes both
  // triangles), so scatter writes every entry, and its threads fault the pages in. Zero-filling
  // first cost that fault-in on its own plus a pass over tens of MiB (relu benchmark +1.6 %).
  if (selection.ntk) result.ntk = Matrix::uninitialized(rows(), cols());
  if (selection.nngp) result.nngp = Matrix::uninitialized(rows(), cols());
  if (selection.all_depths) {
    for (std::size_t d = 1; d < layers(); ++d) {
      if (selection.ntk) result.ntk_shallower.push_back(Matrix::uninitialized(rows(), cols()));
      if (selection.nngp) result.nngp_shallower.push_back(Matrix::uninitialized(rows(), cols()));
    }
  }
  return result;
}

void GramEngine::scatter(const Tile& tile, const TileResult& block, GramResult& result) const {
  const std::size_t L = layers();
  for (std::size_t l = 0; l < L; ++l) {
    for (const bool ntk : {true, false}) {
      const std::vector<double>& values = ntk ? block.ntk[l] : block.nngp[l];
      if (values.empty()) continue;
      Matrix& m = l + 1 == L ? (ntk ? result.ntk : result.nngp) : (ntk ? result.ntk_shallower[l] : result.nngp_shallower[l]);
      for (std::size_t r = 0; r < tile.rows(); ++r) {
        const std::size_t i = row_order_[tile.row_begin + r];
        for (std::size_t c = 0; c < tile.cols(); ++c) m(i, col_order_[tile.col_begin + c]) = values[r * tile.cols() + c];
      }
      if (!symmetric()) continue;
      // The mirror image, written along the matrix's rows (the tile, read across, is in cache).
      for (std::size_t c = 0; c < tile.cols(); ++c) {
        const std::size_t j = col_order_[tile.col_begin + c];
        for (std::size_t r = 0; r < tile.rows(); ++r) m(j, row_order_[tile.row_begin + r]) = values[r * tile.cols() + c];
      }
    }
  }
}

GramResult GramEngine::compute(KernelSelection selection) const {
  GramResult result = allocate(selection);
  const std::vector<Tile> all = tiles();
  FirstError first_error;
#pragma omp parallel num_threads(resolve_threads(settings_.engine.threads))
  {
    TileResult block;  // this thread's, reused from tile to tile
#pragma omp for schedule(dynamic, 1)
    for (std::size_t t = 0; t < all.size(); ++t) {
      first_error.run([&] {
        throw_if_stop_requested();
        compute_tile(all[t], selection, block);
        scatter(all[t], block, result);
      });
    }
  }
  first_error.rethrow();
  return result;
}

namespace {

using Scales = GramResult::Scales;

// a + b of two scaled matrices (GramResult::Scales), written to a at the scales `to` (no smaller
// than either's): the smaller term is shifted down. Plain a + b when every scale is 0.
void add(Matrix& a, const Scales& sa, const Matrix& b, const Scales& sb, const Scales& to) {
  for (std::size_t i = 0; i < a.rows(); ++i) {
    for (std::size_t j = 0; j < a.cols(); ++j) {
      a(i, j) = std::ldexp(a(i, j), sa.row[i] - to.row[i] + sa.col[j] - to.col[j]) +
                std::ldexp(b(i, j), sb.row[i] - to.row[i] + sb.col[j] - to.col[j]);
    }
  }
}

Scales larger(const Scales& a, const Scales& b) {
  Scales m = a;
  for (std::size_t i = 0; i < m.row.size(); ++i) m.row[i] = std::max(a.row[i], b.row[i]);
  for (std::size_t j = 0; j < m.col.size(); ++j) m.col[j] = std::max(a.col[j], b.col[j]);
  return m;
}

// The backward network's kernels added to the forward one's (bidirectional, spec section 4), both
// scaled.
GramResult plus_backward(GramResult f, const GramResult& b) {
  const Scales ntk = larger(f.ntk_scale, b.ntk_scale), nngp = larger(f.nngp_scale, b.nngp_scale);
  auto sum = [&](Matrix& m, const Matrix& other, bool is_ntk) {
    if (is_ntk) return add(m, f.ntk_scale, other, b.ntk_scale, ntk);
    add(m, f.nngp_scale, other, b.nngp_scale, nngp);
  };
  sum(f.ntk, b.ntk, true);
  sum(f.nngp, b.nngp, false);
  for (std::size_t d = 0; d < f.ntk_shallower.size(); ++d) sum(f.ntk_shallower[d], b.ntk_shallower[d], true);
  for (std::size_t d = 0; d < f.nngp_shallower.size(); ++d) sum(f.nngp_shallower[d], b.nngp_shallower[d], false);
  f.ntk_scale = ntk;
  f.nngp_scale = nngp;
  return f;
}

// A scaled result as the kernels themselves; an error naming sigma_w where one exceeds double.
GramResult unscaled(GramResult g, const KernelParams& params) {
  auto apply = [&](Matrix& m, const Scales& s) {
    for (std::size_t i = 0; i < m.rows(); ++i) {
      for (std::size_t j = 0; j < m.cols(); ++j) {
        m(i, j) = std::ldexp(m(i, j), s.row[i] + s.col[j]);
        if (!std::isfinite(m(i, j))) throw numeric_error(overflow_message(i, j, params, true));
      }
    }
  };
  apply(g.ntk, g.ntk_scale);
  apply(g.nngp, g.nngp_scale);
  for (Matrix& m : g.ntk_shallower) apply(m, g.ntk_scale);
  for (Matrix& m : g.nngp_shallower) apply(m, g.nngp_scale);
  g.ntk_scale = {};
  g.nngp_scale = {};
  return g;
}

// Both directions, each scaled, summed; then unscaled unless the selection keeps the scales.
GramResult bidirectional(GramResult forward, const GramEngine& backward, const Settings& settings,
                         KernelSelection selection) {
  KernelSelection scaled = selection;
  scaled.scaled = true;
  GramResult sum = plus_backward(std::move(forward), backward.compute(scaled));
  return selection.scaled ? sum : unscaled(std::move(sum), settings.kernel);
}

KernelSelection keeping_scales(KernelSelection s) {
  s.scaled = true;
  return s;
}

}  // namespace

GramResult gram(SequenceSetView x, const Settings& settings, KernelSelection selection) {
  if (!settings.kernel.bidirectional) return GramEngine(x, settings).compute(selection);
  const SequenceSet back = reversed(x);
  return bidirectional(GramEngine(x, settings).compute(keeping_scales(selection)), GramEngine(back.view(), settings),
                       settings, selection);
}

GramResult gram(SequenceSetView x, SequenceSetView y, const Settings& settings,
                KernelSelection selection) {
  if (!settings.kernel.bidirectional) return GramEngine(x, y, settings).compute(selection);
  const SequenceSet back_x = reversed(x), back_y = reversed(y);
  return bidirectional(GramEngine(x, y, settings).compute(keeping_scales(selection)),
                       GramEngine(back_x.view(), back_y.view(), settings), settings, selection);
}

std::vector<double> self_kernels(SequenceSetView x, const Settings& settings, bool ntk, std::size_t depth,
                                 std::vector<int>* scale) {
  std::vector<double> d(x.size());
  std::vector<int> e(x.size());
  const GramEngine forward(x, settings);
  for (std::size_t i = 0; i < x.size(); ++i) {
    d[i] = forward.row_diagonal(i, ntk, depth);
    e[i] = forward.row_scale(i, ntk);
  }
  if (settings.kernel.bidirectional) {
    // As plus_backward does for the diagonal of K(X, X): at the larger scale of the two.
    const SequenceSet back = reversed(x);
    const GramEngine backward(back.view(), settings);
    for (std::size_t i = 0; i < x.size(); ++i) {
      const int back_scale = backward.row_scale(i, ntk);
      const int both = std::max(e[i], back_scale);
      d[i] = std::ldexp(d[i], 2 * (e[i] - both)) +
             std::ldexp(backward.row_diagonal(i, ntk, depth), 2 * (back_scale - both));
      e[i] = both;
    }
  }
  if (scale) {
    *scale = e;
    return d;
  }
  for (std::size_t i = 0; i < x.size(); ++i) {
    d[i] = std::ldexp(d[i], 2 * e[i]);
    if (!std::isfinite(d[i])) throw numeric_error(overflow_message(i, i, settings.kernel, true));
  }
  return d;
}

}  // namespace rntk
