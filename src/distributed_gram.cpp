#include "rntk/distributed_gram.hpp"

#include <omp.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <mutex>
#include <random>
#include <unistd.h>

#include "parallel.hpp"
#include "rntk/error.hpp"
#include "rntk/io.hpp"
#include "rntk/recursion.hpp"
#include "rntk/stop.hpp"
#include "shortest.hpp"

namespace rntk {
namespace {

// The forward engine and, for a bidirectional network, the backward one: a tile of the kernel is
// the sum of both engines' tiles, as gram() sums their matrices.
class TileSource {
 public:
  TileSource(SequenceSetView x, const SequenceSetView* y, const Settings& s) {
    forward_ = y ? std::make_unique<GramEngine>(x, *y, s) : std::make_unique<GramEngine>(x, s);
    if (!s.kernel.bidirectional) return;
    back_x_ = reversed(x);
    if (y) {
      back_y_ = reversed(*y);
      backward_ = std::make_unique<GramEngine>(back_x_.view(), back_y_.view(), s);
    } else {
      backward_ = std::make_unique<GramEngine>(back_x_.view(), s);
    }
  }

  const GramEngine& engine() const { return *forward_; }

  TileResult compute(const Tile& tile, KernelSelection selection) const {
    TileResult sum = forward_->compute_tile(tile, selection);
    if (!backward_) return sum;
    const TileResult back = backward_->compute_tile(tile, selection);
    for (std::size_t l = 0; l < sum.ntk.size(); ++l) {
      for (std::size_t e = 0; e < sum.ntk[l].size(); ++e) sum.ntk[l][e] += back.ntk[l][e];
      for (std::size_t e = 0; e < sum.nngp[l].size(); ++e) sum.nngp[l][e] += back.nngp[l][e];
    }
    return sum;
  }

 private:
  SequenceSet back_x_, back_y_;
  std::unique_ptr<GramEngine> forward_, backward_;
};

// Every tile, each computed once by some thread of some rank, handed to `use` (with its index in
// engine.tiles()) on that thread.
template <class Use>
void for_each_tile(const TileSource& source, KernelSelection selection, int threads, Cluster& cluster, Use&& use) {
  const std::vector<Tile> tiles = source.engine().tiles();
  const std::unique_ptr<WorkCounter> counter = cluster.make_counter();
  FirstError first_error;
#pragma omp parallel num_threads(resolve_threads(threads))
  {
    while (!first_error.failed()) {
      const std::uint64_t t = counter->take(1);
      if (t >= tiles.size()) break;
      first_error.run([&] {
        throw_if_stop_requested();
        use(static_cast<std::size_t>(t), tiles[t], source.compute(tiles[t], selection));
      });
    }
  }
  first_error.rethrow();
}

KernelSelection selection_of(const std::vector<GramFile>& files, std::size_t layers) {
  KernelSelection s{false, false, false};
  for (const GramFile& f : files) {
    if (f.depth < 1 || f.depth > layers) {
      throw parameter_error("depth " + std::to_string(f.depth) + " of " + f.path + " is out of range: allowed 1 .. " +
                            std::to_string(layers));
    }
    (f.ntk ? s.ntk : s.nngp) = true;
    s.all_depths = s.all_depths || f.depth < layers;
  }
  return s;
}

// The .npy header (version 1.0) of a rows x cols float64 matrix in C order, as write_matrix writes.
std::string npy_header(std::size_t rows, std::size_t cols) {
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (" + std::to_string(rows) + ", " +
                       std::to_string(cols) + "), }";
  const std::size_t preamble = 10;
  header.append(63 - (preamble + header.size()) % 64, ' ');
  header += '\n';
  const auto len = static_cast<std::uint16_t>(header.size());
  return std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(len & 0xff) + static_cast<char>(len >> 8) + header;
}

// A file of the job under construction: `temp` while written, renamed to `path` by the leader
// when every rank is done, removed (by the leader) if the job fails first.
struct JobFile {
  std::string path, temp;
  std::unique_ptr<SharedFile> file;
};

class JobFiles {
 public:
  explicit JobFiles(Cluster& cluster) : cluster_(cluster) {
    // One tag for the whole job, chosen by the leader: the temporary names must agree on all ranks.
    std::random_device entropy;
    tag_ = cluster.broadcast(std::to_string(::getpid()) + "." + std::to_string(entropy() % 1000000));
  }
  ~JobFiles() {
    close_all();
    if (cluster_.leader() && !committed_) {
      for (const std::string& t : temps_) std::remove(t.c_str());
    }
  }
  // Collective.
  JobFile& open(const std::string& path, const std::string& kind) {
    // The leader first tries the folder as the in-memory output does, so that a missing or
    // read-only one is reported under the output's name, not the temporary's.
    if (cluster_.leader()) {
      const AtomicFile probe(path);  // its empty temporary is removed again at once
    }
    JobFile f{path, path + "." + kind + "tmp." + tag_, nullptr};
    temps_.push_back(f.temp);
    f.file = cluster_.open_shared(f.temp, true);
    files_.push_back(std::make_unique<JobFile>(std::move(f)));
    return *files_.back();
  }
  // Collective: renames the final files, removes the scratch ones.
  void commit(const std::vector<JobFile*>& finals) {
    cluster_.barrier();
    close_all();
    cluster_.barrier();
    if (cluster_.leader()) {
      for (JobFile* f : finals) {
        if (std::rename(f->temp.c_str(), f->path.c_str()) != 0) {
          throw io_error(f->path + ": cannot rename the finished temporary file into place");
        }
      }
      for (const std::string& t : temps_) std::remove(t.c_str());  // scratch files (the finals are gone)
    }
    committed_ = true;
    cluster_.barrier();
  }

 private:
  void close_all() {
    for (const auto& f : files_) f->file.reset();
  }

  Cluster& cluster_;
  std::string tag_;
  std::vector<std::string> temps_;
  std::vector<std::unique_ptr<JobFile>> files_;
  bool committed_ = false;
};

const std::vector<double>& block_of(const TileResult& r, const GramFile& f) {
  return f.ntk ? r.ntk[f.depth - 1] : r.nngp[f.depth - 1];
}

bool identity(const GramEngine& e) {
  for (std::size_t r = 0; r < e.rows(); ++r) {
    if (e.row_index(r) != r) return false;
  }
  for (std::size_t c = 0; c < e.cols(); ++c) {
    if (e.col_index(c) != c) return false;
  }
  return true;
}

}  // namespace

void write_gram_files(SequenceSetView x, const SequenceSetView* y, const Settings& settings,
                      const std::vector<GramFile>& files, Cluster& cluster) {
  if (files.empty()) return;
  const TileSource source(x, y, settings);
  const GramEngine& engine = source.engine();
  const KernelSelection selection = selection_of(files, engine.layers());
  const std::size_t rows = engine.rows(), cols = engine.cols();
  const std::string header = npy_header(rows, cols);
  const bool in_place = identity(engine);  // tiles can go straight to their final place

  JobFiles job(cluster);
  std::vector<JobFile*> finals, scratch;
  for (const GramFile& f : files) {
    finals.push_back(&job.open(f.path, ""));
    if (cluster.leader()) finals.back()->file->write_at(0, header.data(), header.size());
    if (!in_place) scratch.push_back(&job.open(f.path, "engine-order."));
  }

  // Row r of a tile block at (engine row, engine column) of a file laid out in engine order (the
  // scratch file, no header) or of the final file when the engine order is the input order.
  for_each_tile(source, selection, settings.engine.threads, cluster, [&](std::size_t, const Tile& tile, const TileResult& block) {
    std::vector<double> column(tile.rows());
    for (std::size_t n = 0; n < files.size(); ++n) {
      SharedFile& out = in_place ? *finals[n]->file : *scratch[n]->file;
      const std::uint64_t base = in_place ? header.size() : 0;
      const std::vector<double>& v = block_of(block, files[n]);
      for (std::size_t r = 0; r < tile.rows(); ++r) {
        out.write_at(base + ((tile.row_begin + r) * cols + tile.col_begin) * sizeof(double), v.data() + r * tile.cols(),
                     tile.cols() * sizeof(double));
      }
      // The mirror of an off-diagonal tile of a symmetric matrix: its columns are rows there.
      if (engine.symmetric() && tile.row_begin != tile.col_begin) {
        for (std::size_t c = 0; c < tile.cols(); ++c) {
          for (std::size_t r = 0; r < tile.rows(); ++r) column[r] = v[r * tile.cols() + c];
          out.write_at(base + ((tile.col_begin + c) * cols + tile.row_begin) * sizeof(double), column.data(),
                       tile.rows() * sizeof(double));
        }
      }
    }
  });
  cluster.barrier();

  if (!in_place) {
    // Engine row r becomes input row row_index(r), its columns put in input order.
    const std::unique_ptr<WorkCounter> counter = cluster.make_counter();
    FirstError first_error;
#pragma omp parallel num_threads(resolve_threads(settings.engine.threads))
    {
      std::vector<double> engine_row(cols), input_row(cols);
      while (!first_error.failed()) {
        const std::uint64_t r = counter->take(1);
        if (r >= rows) break;
        first_error.run([&] {
          throw_if_stop_requested();
          for (std::size_t n = 0; n < files.size(); ++n) {
            scratch[n]->file->read_at(r * cols * sizeof(double), engine_row.data(), cols * sizeof(double));
            for (std::size_t c = 0; c < cols; ++c) input_row[engine.col_index(c)] = engine_row[c];
            finals[n]->file->write_at(header.size() + engine.row_index(r) * cols * sizeof(double), input_row.data(),
                                      cols * sizeof(double));
          }
        });
      }
    }
    first_error.rethrow();
  }
  job.commit(finals);
}

GramResult gather_gram(SequenceSetView x, const SequenceSetView* y, const Settings& settings, KernelSelection selection,
                       Cluster& cluster) {
  const TileSource source(x, y, settings);
  const GramEngine& engine = source.engine();
  if (cluster.size() == 1) {
    GramResult result = engine.allocate(selection);
    for_each_tile(source, selection, settings.engine.threads, cluster,
                  [&](std::size_t, const Tile& tile, const TileResult& block) { engine.scatter(tile, block, result); });
    return result;
  }
  // Each rank packs its tiles as [tile index, blocks in TileResult order] for the leader.
  const std::vector<Tile> tiles = engine.tiles();
  std::vector<double> packed;
  std::mutex packing;
  for_each_tile(source, selection, settings.engine.threads, cluster, [&](std::size_t index, const Tile&, const TileResult& block) {
    std::lock_guard<std::mutex> lock(packing);
    packed.push_back(static_cast<double>(index));
    for (const auto* kind : {&block.ntk, &block.nngp}) {
      for (const std::vector<double>& b : *kind) packed.insert(packed.end(), b.begin(), b.end());
    }
  });
  const std::vector<double> all = cluster.gather(packed);
  if (!cluster.leader()) return {};
  GramResult result = engine.allocate(selection);
  const std::size_t L = engine.layers();
  for (std::size_t at = 0; at < all.size();) {
    const Tile& tile = tiles.at(static_cast<std::size_t>(all[at++]));
    TileResult block;
    block.ntk.resize(L);
    block.nngp.resize(L);
    for (auto* kind : {&block.ntk, &block.nngp}) {
      const bool ntk = kind == &block.ntk;
      for (std::size_t l = 0; l < L; ++l) {
        if ((ntk ? !selection.ntk : !selection.nngp) || (l + 1 != L && !selection.all_depths)) continue;
        (*kind)[l].assign(all.begin() + static_cast<std::ptrdiff_t>(at),
                          all.begin() + static_cast<std::ptrdiff_t>(at + tile.rows() * tile.cols()));
        at += tile.rows() * tile.cols();
      }
    }
    engine.scatter(tile, block, result);
  }
  return result;
}

std::size_t gram_memory_bytes(SequenceSetView x, const SequenceSetView* y, const Settings& settings,
                              KernelSelection selection, bool whole_matrices) {
  const std::size_t L = static_cast<std::size_t>(settings.kernel.layers);
  const std::size_t directions = settings.kernel.bidirectional ? 2 : 1;
  const std::size_t steps = x.total_steps() + (y ? y->total_steps() : 0);
  const std::size_t values = steps * x.dim() * sizeof(double) * directions;
  // Per step and layer: the self statistics (SelfCell, 6 doubles) and their bookkeeping.
  const std::size_t stats = steps * L * 8 * sizeof(double) * directions;
  const std::size_t kinds = (selection.ntk ? 1 : 0) + (selection.nngp ? 1 : 0);
  const std::size_t depths = selection.all_depths ? L : 1;
  const std::size_t cols = y ? y->size() : x.size();
  const std::size_t tile = resolve_tile_size(settings.engine.tile_size, x.size(), cols, !y, settings.engine.threads);
  // Per thread: the tile's result blocks (both directions) and the walk's per-pair state.
  const std::size_t per_thread = tile * tile * sizeof(double) * (kinds * depths * directions + 6 * L);
  const std::size_t threads = static_cast<std::size_t>(resolve_threads(settings.engine.threads));
  const std::size_t matrices = whole_matrices ? x.size() * cols * sizeof(double) * kinds * depths * directions : 0;
  return values + stats + threads * per_thread + matrices;
}

std::size_t parse_bytes(const std::string& text, const std::string& what) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  std::string unit = text.substr(used);
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (!unit.empty() && unit.back() == 'B') unit.pop_back();
  if (unit.size() == 2 && unit[1] == 'I') unit.pop_back();
  const double scale = unit.empty() ? 1.0 : unit == "K" ? 0x1p10 : unit == "M" ? 0x1p20 : unit == "G" ? 0x1p30 : unit == "T" ? 0x1p40 : 0.0;
  if (used == 0 || scale == 0.0 || !(value > 0) || !std::isfinite(value * scale)) {
    throw parameter_error(what + " = '" + text + "' is not a size: give bytes or a number with K, M, G or T (e.g. 512M, 2G)");
  }
  return static_cast<std::size_t>(value * scale);
}

std::string format_bytes(std::size_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char text[32];
  std::snprintf(text, sizeof text, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return text;
}

}  // namespace rntk
