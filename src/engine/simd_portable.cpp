// The tile walk in portable scalar code (one lane per "vector"), for processors without AVX2; the
// compiler may still vectorise what it can. std::asin from libm.
#include <cmath>

#include "dispatch.hpp"
#include "tile_walk.hpp"

namespace rntk::engine {
namespace {

template <class Scalar>
struct Portable {
  using T = Scalar;
  using R = Scalar;
  static constexpr std::size_t W = 1;
  static R load(const T* p) { return *p; }
  static void store(T* p, R v) { *p = v; }
  static R set1(T x) { return x; }
  static R add(R a, R b) { return a + b; }
  static R sub(R a, R b) { return a - b; }
  static R mul(R a, R b) { return a * b; }
  static R div(R a, R b) { return a / b; }
  static R fma(R a, R b, R c) { return a * b + c; }  // unfused: no FMA unit assumed
  static R fnma(R a, R b, R c) { return c - a * b; }
  static R min(R a, R b) { return a < b ? a : b; }
  static R max(R a, R b) { return a > b ? a : b; }
  static R sqrt(R a) { return std::sqrt(a); }
  static R abs(R a) { return std::fabs(a); }
  static R select_lt(R a, R b, R x, R y) { return a < b ? x : y; }
  static bool all_lt(R a, R b) { return a < b; }
  static R asin(R a) { return std::asin(a); }
};

}  // namespace

void walk_portable(const TileInput& in, Workspace<double>& ws, const TileOutput& out) {
  walk_tile<Portable<double>>(in, ws, out);
}
void walk_portable(const TileInput& in, Workspace<float>& ws, const TileOutput& out) {
  walk_tile<Portable<float>>(in, ws, out);
}

void mean_pool_portable(const TileInput& in, const PairInput& pair, Workspace<double>& ws, double* ntk, double* nngp) {
  mean_pool_pair<Portable<double>>(in, pair, ws, ntk, nngp);
}
void mean_pool_portable(const TileInput& in, const PairInput& pair, Workspace<float>& ws, double* ntk, double* nngp) {
  mean_pool_pair<Portable<float>>(in, pair, ws, ntk, nngp);
}

void relu_dual_loop_portable(const double* lam, const double* scale, double* v, double* dv, std::size_t n,
                        std::size_t repeats) {
  relu_dual_loop<Portable<double>>(lam, scale, v, dv, n, repeats);
}

void relu_update_loop_portable(double* v, double* vth, const double* input, const double* col_norm,
                               const double* col_inv_norm, const SelfCell& row, std::size_t rows, std::size_t lanes,
                               std::size_t repeats) {
  relu_update_loop<Portable<double>>(v, vth, input, col_norm, col_inv_norm, row, rows, lanes, repeats);
}

}  // namespace rntk::engine
