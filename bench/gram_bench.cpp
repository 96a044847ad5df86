// One benchmark case of the Gram engine, or the calibration loop; run by bench/run_benchmark.py,
// which measures peak memory around it and compares it with the NumPy reference.
//
//   rntk_gram_bench CASE --threads N [--tile N] [--write DIR]
//       CASE: relu | erf | ragged | m64 | float | erf-float | mean (docs/PERFORMANCE.md lists their
//       sizes).
//       Prints "seconds=S cells=C" for the symmetric NTK + NNGP Gram matrix, where cells counts
//       cell-layer updates: pairs i < j x the walk length min(T_i, T_j) x layers. --tile N sets
//       the engine's tile_size (default: the library's). --write DIR saves
//       the data (values.npy, offsets.npy) and the result (ntk.npy, nngp.npy) for the check.
//   rntk_gram_bench ceiling --threads N
//       Prints "duals_per_second=R": the ReLU dual activation alone on arrays in L1, on N threads.
//   rntk_gram_bench update --threads N
//       Prints "cells_per_second=R": the ReLU cell update alone (double) on one tile's state, on N
//       threads: the walk's arithmetic without the walk around it.
#include <omp.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <cstring>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "engine/dispatch.hpp"
#include "rntk/gram.hpp"
#include "rntk/io.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Case {
  std::size_t n = 2000, min_length = 128, max_length = 128, dim = 1;
  rntk::Settings settings;
};

Case make_case(const std::string& name) {
  Case c;
  c.settings.kernel.layers = 2;
  if (name == "erf" || name == "erf-float") c.settings.kernel.activation = rntk::Activation::kErf;
  if (name == "ragged") c.min_length = 64, c.max_length = 192;
  if (name == "m64") c.dim = 64;
  if (name == "float" || name == "erf-float") c.settings.engine.precision = rntk::Precision::kFloat;
  if (name == "mean") c.n = 400, c.settings.kernel.readout = rntk::Readout::kMean;
  if (name != "relu" && name != "erf" && name != "ragged" && name != "m64" && name != "float" && name != "erf-float" &&
      name != "mean") {
    throw std::runtime_error("unknown case " + name);
  }
  return c;
}

rntk::SequenceSet make_data(const Case& c) {
  std::mt19937_64 rng(2026);
  std::uniform_int_distribution<std::size_t> length(c.min_length, c.max_length);
  std::normal_distribution<double> normal;
  rntk::SequenceSet set(c.dim);
  std::vector<double> v;
  for (std::size_t i = 0; i < c.n; ++i) {
    v.resize(length(rng) * c.dim);
    for (double& x : v) x = normal(rng);
    set.append(v);
  }
  return set;
}

void save(const std::string& path, const rntk::Matrix& m) {
  rntk::AtomicFile f(path);
  rntk::write_matrix(f.stream(), m, rntk::MatrixFormat::kNpy);
  f.commit();
}

int run_case(const std::string& name, int threads, int tile, const std::string& dir) {
  Case c = make_case(name);
  c.settings.engine.threads = threads;
  if (tile) c.settings.engine.tile_size = tile;
  const rntk::SequenceSet x = make_data(c);
  const auto start = Clock::now();
  const rntk::GramResult k = rntk::gram(x.view(), c.settings);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  // Cells walked: the aligned diagonal (min(T, T')), or the whole grid (T T') for mean pooling.
  const bool grid = c.settings.kernel.readout == rntk::Readout::kMean;
  double cells = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    for (std::size_t j = i + 1; j < x.size(); ++j) {
      const double a = static_cast<double>(x.view().length(i)), b = static_cast<double>(x.view().length(j));
      cells += grid ? a * b : std::min(a, b);
    }
  }
  cells *= c.settings.kernel.layers;
  std::printf("seconds=%.6f cells=%.6e\n", seconds, cells);
  if (!dir.empty()) {
    rntk::Matrix values(x.view().total_steps(), x.dim());
    std::memcpy(values.data(), x.values().data(), x.values().size() * sizeof(double));
    rntk::Matrix offsets(x.offsets().size(), 1);
    for (std::size_t i = 0; i < x.offsets().size(); ++i) offsets(i, 0) = static_cast<double>(x.offsets()[i]);
    save(dir + "/values.npy", values);
    save(dir + "/offsets.npy", offsets);
    save(dir + "/ntk.npy", k.ntk);
    save(dir + "/nngp.npy", k.nngp);
  }
  return 0;
}

// Calls the variant of a per-instruction-set loop (dispatch.hpp) that `simd` names.
template <class Function, class... Args>
void call_for(rntk::Simd simd, Function* avx512, Function* avx2, Function* portable, Args&&... args) {
  (simd == rntk::Simd::kAvx512 ? avx512 : simd == rntk::Simd::kAvx2 ? avx2 : portable)(std::forward<Args>(args)...);
}

int run_ceiling(int threads) {
  const rntk::Simd simd = rntk::resolve_simd(rntk::Simd::kAuto);
  const std::size_t n = 512, repeats = 800000;  // 16 KiB of arrays per thread (L1); about 0.2 s
  const auto start = Clock::now();
#pragma omp parallel num_threads(threads)
  {
    std::vector<double> lam(n), scale(n), v(n), dv(n);
    std::mt19937_64 rng(omp_get_thread_num());
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    for (std::size_t j = 0; j < n; ++j) lam[j] = u(rng), scale[j] = 1.5 + u(rng);
    call_for(simd, rntk::engine::relu_dual_loop_avx512, rntk::engine::relu_dual_loop_avx2,
             rntk::engine::relu_dual_loop_portable, lam.data(), scale.data(), v.data(), dv.data(), n, repeats);
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("duals_per_second=%.6e isa=%s\n", static_cast<double>(n * repeats) * threads / seconds,
              rntk::param_spec("simd").format(static_cast<double>(simd)).c_str());
  return 0;
}

// The ReLU update alone (relu_update_loop): one tile's state at one step, 64 rows x 64 lanes x 2
// layers (128 KiB, in L2), updated over and over on each thread; cell-layer updates per second.
int run_update(int threads) {
  const rntk::Simd simd = rntk::resolve_simd(rntk::Simd::kAuto);
  const std::size_t rows = 64, lanes = 64, repeats = 25000;  // about 0.2 s
  const auto start = Clock::now();
#pragma omp parallel num_threads(threads)
  {
    std::mt19937_64 rng(omp_get_thread_num());
    std::uniform_real_distribution<double> u(0.5, 1.5);
    std::vector<double> v(2 * rows * lanes), vth(2 * rows * lanes), input(rows * lanes), norm(2 * lanes),
        inv_norm(2 * lanes);
    for (double& x : v) x = 0.3 * u(rng);
    for (double& x : vth) x = u(rng);
    for (double& x : input) x = u(rng) - 1.0;
    for (std::size_t j = 0; j < norm.size(); ++j) norm[j] = u(rng), inv_norm[j] = 1.0 / norm[j];
    rntk::SelfCell row;
    row.q = 1.21, row.norm = 1.1, row.inv_norm = 1.0 / 1.1, row.inv_q = 1.0 / 1.21;
    call_for(simd, rntk::engine::relu_update_loop_avx512, rntk::engine::relu_update_loop_avx2,
             rntk::engine::relu_update_loop_portable, v.data(), vth.data(), input.data(), norm.data(),
             inv_norm.data(), row, rows, lanes, repeats);
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("cells_per_second=%.6e\n", static_cast<double>(rows * lanes * 2 * repeats) * threads / seconds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: rntk_gram_bench CASE|ceiling|update --threads N [--tile N] [--write DIR]\n");
    return 2;
  }
  try {
    int threads = 2, tile = 0;
    std::string dir;
    for (int a = 2; a + 1 < argc; a += 2) {
      if (std::string(argv[a]) == "--threads") threads = std::stoi(argv[a + 1]);
      if (std::string(argv[a]) == "--write") dir = argv[a + 1];
      if (std::string(argv[a]) == "--tile") tile = std::stoi(argv[a + 1]);
    }
    const std::string what = argv[1];
    if (what == "ceiling") return run_ceiling(threads);
    if (what == "update") return run_update(threads);
    return run_case(what, threads, tile, dir);
  } catch (const std::exception& e) {  // an unknown case, a bad number, an unwritable folder
    std::fprintf(stderr, "rntk_gram_bench: %s\nusage: rntk_gram_bench CASE|ceiling|update --threads N [--tile N] [--write DIR]\n", e.what());
    return 2;
  }
}
