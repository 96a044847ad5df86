// Gram matrices of the last-state RNTK and NNGP. The unit of work is a tile: a block of rows x a
// block of columns of the Gram matrix, whose pairs are walked over time together, vectorised across
// pairs (src/engine/tile_walk.hpp). Threads take tiles from a shared list; batches and MPI ranks
// take the same tiles. Every entry is computed by the same arithmetic whatever tile or thread it
// falls in, so results are bitwise identical for every thread count and tile size.
//
// The engine works in its own order: the sequences of the rows, and of the columns, sorted by
// length, longest first (ties in input order), so that the pairs of a tile walk about equally far
// and a ragged set wastes no lanes. Tiles index that order; row_index() / col_index() map it back.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

#include "rntk/activations.hpp"
#include "rntk/matrix.hpp"
#include "rntk/params.hpp"
#include "rntk/recursion.hpp"
#include "rntk/sequences.hpp"

namespace rntk {

namespace engine {
struct TileInput;
}

// Which kernels to return. Both come from one walk, and so do all depths: asking for fewer only
// saves memory.
struct KernelSelection {
  bool ntk = true;
  bool nngp = true;
  bool all_depths = false;  // also the kernels of 1 .. layers - 1 layers
  // Return the kernels divided by 2^(row_scale[i] + col_scale[j]) (GramResult), finite at any
  // sequence length for the homogeneous activations (docs/DESIGN.md, "Numerics: long sequences").
  // Otherwise the kernels themselves, and an error naming sigma_w where one exceeds double's range.
  bool scaled = false;
};

struct GramResult {
  Matrix ntk;   // layers deep; empty unless selected
  Matrix nngp;
  // With all_depths: index d - 1 holds the kernel of d layers, d = 1 .. layers - 1.
  std::vector<Matrix> ntk_shallower;
  std::vector<Matrix> nngp_shallower;
  // With KernelSelection::scaled, per row and per column (input order, every depth):
  // K_ntk(i, j) = ntk(i, j) * 2^(ntk_scale.row[i] + ntk_scale.col[j]), and the same for the NNGP.
  // Empty otherwise. The cosine-normalised K(X, X) is m(i, j) / sqrt(m(i, i) m(j, j)): scales cancel.
  struct Scales {
    std::vector<int> row, col;
  };
  Scales ntk_scale, nngp_scale;
};

// Rows [row_begin, row_end) x columns [col_begin, col_end) of a Gram matrix, in engine order.
struct Tile {
  std::size_t row_begin, row_end, col_begin, col_end;
  std::size_t rows() const { return row_end - row_begin; }
  std::size_t cols() const { return col_end - col_begin; }
};

// Tiles covering an rows x cols Gram matrix. For a symmetric matrix only the tiles on and above the
// diagonal, whose row and column ranges are either equal or disjoint.
std::vector<Tile> plan_tiles(std::size_t rows, std::size_t cols, bool symmetric,
                             std::size_t tile_size);

// The instruction set of EngineOptions::simd: the widest the processor has for kAuto, else the one
// asked for, or a parameter error when the processor lacks it.
Simd resolve_simd(Simd requested);

// The tile size of EngineOptions::tile_size for a rows x cols Gram matrix: the option itself, or
// for 0, 128 where that still gives every thread 8 tiles to balance, else 64. Larger tiles spread
// the walk's per-step and per-row work over more pairs (the N = 2000 benchmark runs 5-8 % faster at
// 128 than at 64); smaller ones keep the threads of a small Gram matrix busy.
std::size_t resolve_tile_size(int tile_size, std::size_t rows, std::size_t cols, bool symmetric, int threads);

// One tile's results: for each depth 1 .. layers, row-major tile.rows() x tile.cols() blocks (empty
// when not selected), entry (r, c) for engine row tile.row_begin + r and column tile.col_begin + c.
struct TileResult {
  std::vector<std::vector<double>> ntk;
  std::vector<std::vector<double>> nngp;
};

class GramEngine {
 public:
  // K(X, X): symmetric; one triangle is computed and mirrored.
  GramEngine(SequenceSetView x, const Settings& settings);
  // K(X, Y): rows are the sequences of x, columns those of y (e.g. test x train).
  GramEngine(SequenceSetView x, SequenceSetView y, const Settings& settings);
  ~GramEngine();

  bool symmetric() const { return !col_stats_.has_value(); }
  std::size_t rows() const { return rows_.size(); }
  std::size_t cols() const { return cols_.size(); }
  // The input index of the sequence at engine row r / column c.
  std::size_t row_index(std::size_t r) const { return row_order_[r]; }
  std::size_t col_index(std::size_t c) const { return col_order_[c]; }

  // The tiles of the whole matrix, in engine order.
  std::vector<Tile> tiles() const;
  // Computes one tile. In a symmetric engine, entries below the diagonal of a diagonal tile are
  // the mirror of those above it.
  TileResult compute_tile(const Tile& tile, KernelSelection selection = {}) const;
  // The same into `into`, whose blocks keep their memory from tile to tile (a thread's tiles, one
  // after another, need no new allocation and no zero fill: the walk writes every entry).
  void compute_tile(const Tile& tile, KernelSelection selection, TileResult& into) const;

  // The whole matrix: the tiles on settings.engine.threads threads, scattered to input order.
  GramResult compute(KernelSelection selection = {}) const;
  // Matrices of the selected kernels, their entries unset until the scatter of every tile of
  // tiles() has written them, and a tile's block put into them in input order (both triangles of
  // a symmetric engine). compute() is allocate, then compute_tile and scatter per tile.
  GramResult allocate(KernelSelection selection) const;
  void scatter(const Tile& tile, const TileResult& block, GramResult& result) const;
  std::size_t layers() const { return row_stats_.layers(); }

  // K(x, x) of row sequence i (input order), of `depth` layers (0: all of them), divided by
  // 2^(2 row_scale(i, ntk)) (finite where K(x, x) is not).
  double row_diagonal(std::size_t i, bool ntk, std::size_t depth = 0) const {
    return ntk ? row_stats_.ntk_diagonal(i, depth) : row_stats_.nngp_diagonal(i, depth);
  }
  int row_scale(std::size_t i, bool ntk) const { return ntk ? row_stats_.scale(i) : row_stats_.nngp_scale(i); }

 private:
  struct Side;  // one side's sequences in engine order
  const SelfStats& column_stats() const { return col_stats_ ? *col_stats_ : row_stats_; }
  engine::TileInput pair_settings() const;
  engine::TileInput tile_input(const Tile& tile) const;
  void mean_pool_diagonals(SequenceSetView set, SelfStats& stats) const;

  SequenceSetView rows_;
  SequenceSetView cols_;
  Settings settings_;
  SelfStats row_stats_;
  std::optional<SelfStats> col_stats_;  // empty when symmetric: columns are the rows
  std::vector<std::size_t> row_order_, col_order_;
  std::unique_ptr<Side> row_side_, col_side_;
  std::unique_ptr<Duals> duals_;
};

// The whole K(X, X) or K(X, Y). With kernel.bidirectional, the sum of the kernels of the sequences
// and of the sequences read backwards.
GramResult gram(SequenceSetView x, const Settings& settings, KernelSelection selection = {});
GramResult gram(SequenceSetView x, SequenceSetView y, const Settings& settings,
                KernelSelection selection = {});

// K(x, x) of every sequence (both directions when bidirectional), of `depth` layers (0: all).
// With `scale`: divided by 2^(2 scale[i]) (set here), finite at any length for the homogeneous
// activations; without: an error naming sigma_w where a value exceeds double's range.
std::vector<double> self_kernels(SequenceSetView x, const Settings& settings, bool ntk,
                                 std::size_t depth = 0, std::vector<int>* scale = nullptr);

}  // namespace rntk
