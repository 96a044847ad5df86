// Gram matrices of the last-state RNTK and NNGP. The unit of work is a tile: a block of rows x a
// block of columns of the Gram matrix, whose pairs are walked over time together. Threads take tiles
// from a shared list; later, batches and MPI ranks take the same tiles. Every entry is computed by the
// same arithmetic whatever tile or thread it falls in, so results are bitwise identical for every
// thread count and tile size.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "rntk/matrix.hpp"
#include "rntk/params.hpp"
#include "rntk/recursion.hpp"
#include "rntk/sequences.hpp"

namespace rntk {

// Which kernels to return. Both come from one walk; asking for one only saves its memory.
struct KernelSelection {
  bool ntk = true;
  bool nngp = true;
};

struct GramResult {
  Matrix ntk;   // empty unless selected
  Matrix nngp;  // empty unless selected
};

// Rows [row_begin, row_end) x columns [col_begin, col_end) of a Gram matrix.
struct Tile {
  std::size_t row_begin, row_end, col_begin, col_end;
  std::size_t rows() const { return row_end - row_begin; }
  std::size_t cols() const { return col_end - col_begin; }
};

// Tiles covering an rows x cols Gram matrix. For a symmetric matrix only the tiles on and above the
// diagonal, whose row and column ranges are either equal or disjoint.
std::vector<Tile> plan_tiles(std::size_t rows, std::size_t cols, bool symmetric,
                             std::size_t tile_size);

class GramEngine {
 public:
  // K(X, X): symmetric; one triangle is computed and mirrored.
  GramEngine(SequenceSetView x, const Settings& settings);
  // K(X, Y): rows are the sequences of x, columns those of y (e.g. test x train).
  GramEngine(SequenceSetView x, SequenceSetView y, const Settings& settings);

  bool symmetric() const { return !col_stats_.has_value(); }
  std::size_t rows() const { return rows_.size(); }
  std::size_t cols() const { return cols_.size(); }

  // Computes one tile into row-major buffers of tile.rows() x tile.cols() (either may be null).
  // In a symmetric engine, a tile entry below the diagonal whose mirror is in the same tile is
  // mirrored; every other entry is computed.
  void compute_tile(const Tile& tile, double* ntk, double* nngp) const;

  // The whole matrix: the tiles of plan_tiles() on settings.engine.threads threads.
  GramResult compute(KernelSelection selection = {}) const;

 private:
  const SelfStats& column_stats() const { return col_stats_ ? *col_stats_ : row_stats_; }

  SequenceSetView rows_;
  SequenceSetView cols_;
  Settings settings_;
  SelfStats row_stats_;
  std::optional<SelfStats> col_stats_;  // empty when symmetric: columns are the rows
};

// Convenience: the whole K(X, X) or K(X, Y).
GramResult gram(SequenceSetView x, const Settings& settings, KernelSelection selection = {});
GramResult gram(SequenceSetView x, SequenceSetView y, const Settings& settings,
                KernelSelection selection = {});

}  // namespace rntk
