// Gram matrices computed by the ranks of a cluster (include/rntk/cluster.hpp) and/or too large for
// memory. The tiles of GramEngine are the unit of work: every thread of every rank takes the next
// tile from one shared counter, so ranks that draw cheap tiles (short sequences) take more. Each
// tile is computed by the same arithmetic wherever it runs, so the bytes written do not depend on
// the number of ranks, threads or on timing.
//
// Out of core: write_gram_files() writes each tile straight into a .npy file at its place; no
// process ever holds the whole matrix. The engine orders sequences by length; when that order is
// not the input order (sequences of different lengths), tiles go to a scratch file in engine order
// first and a second pass, shared among the ranks by rows, permutes them into input order.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "rntk/cluster.hpp"
#include "rntk/gram.hpp"

namespace rntk {

// One matrix to write: the NTK or NNGP of `depth` layers (1 .. settings.kernel.layers).
struct GramFile {
  bool ntk = true;
  std::size_t depth = 1;
  std::string path;
};

// Writes the requested kernels of K(X, X) (y null) or K(X, Y) to .npy files (float64, C order),
// each under a temporary name in the target's folder, renamed only when complete: after an error
// or a stop no file is left under a final name. Collective: every rank calls it with the same
// arguments.
void write_gram_files(SequenceSetView x, const SequenceSetView* y, const Settings& settings,
                      const std::vector<GramFile>& files, Cluster& cluster);

// The whole matrices, on the leader only (empty results elsewhere): the ranks share the tiles as
// above and send their blocks to the leader. Equal to gram() bit for bit. Collective.
GramResult gather_gram(SequenceSetView x, const SequenceSetView* y, const Settings& settings,
                       KernelSelection selection, Cluster& cluster);

// Bytes of memory a Gram computation needs in one process: the input values, the per-step
// statistics of every sequence, each thread's tile buffers, and, when `whole_matrices`, the result
// matrices (write_gram_files holds none of them).
std::size_t gram_memory_bytes(SequenceSetView x, const SequenceSetView* y, const Settings& settings,
                              KernelSelection selection, bool whole_matrices);

// "512M", "2G", "1.5GiB", "1000000" (bytes) -> bytes; throws naming `what` on anything else.
std::size_t parse_bytes(const std::string& text, const std::string& what);
std::string format_bytes(std::size_t bytes);

}  // namespace rntk
