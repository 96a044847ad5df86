// The tile walk for AVX2 with FMA (this file is compiled with -mavx2 -mfma): 4 doubles or 8 floats
// per vector; arc-sine from glibc's vector math library (libmvec); ReLU's arc-cosine is a polynomial (arcsine.hpp).
#include <immintrin.h>

#include "dispatch.hpp"
#include "tile_walk.hpp"

extern "C" {
__m256d _ZGVdN4v_asin(__m256d);
__m256 _ZGVdN8v_asinf(__m256);
}

namespace rntk::engine {
namespace {

struct Avx2d {
  using T = double;
  using R = __m256d;
  static constexpr std::size_t W = 4;
  static R load(const T* p) { return _mm256_loadu_pd(p); }
  static void store(T* p, R v) { _mm256_storeu_pd(p, v); }
  static R set1(T x) { return _mm256_set1_pd(x); }
  static R add(R a, R b) { return _mm256_add_pd(a, b); }
  static R sub(R a, R b) { return _mm256_sub_pd(a, b); }
  static R mul(R a, R b) { return _mm256_mul_pd(a, b); }
  static R div(R a, R b) { return _mm256_div_pd(a, b); }
  static R fma(R a, R b, R c) { return _mm256_fmadd_pd(a, b, c); }
  static R fnma(R a, R b, R c) { return _mm256_fnmadd_pd(a, b, c); }
  static R min(R a, R b) { return _mm256_min_pd(a, b); }
  static R max(R a, R b) { return _mm256_max_pd(a, b); }
  static R sqrt(R a) { return _mm256_sqrt_pd(a); }
  static R abs(R a) { return _mm256_andnot_pd(_mm256_set1_pd(-0.0), a); }
  // a < b ? x : y, lane by lane
  static R select_lt(R a, R b, R x, R y) { return _mm256_blendv_pd(y, x, _mm256_cmp_pd(a, b, _CMP_LT_OQ)); }
  static bool all_lt(R a, R b) { return _mm256_movemask_pd(_mm256_cmp_pd(a, b, _CMP_LT_OQ)) == 0xf; }  // in every lane
  static R asin(R a) { return _ZGVdN4v_asin(a); }
};

struct Avx2f {
  using T = float;
  using R = __m256;
  static constexpr std::size_t W = 8;
  static R load(const T* p) { return _mm256_loadu_ps(p); }
  static void store(T* p, R v) { _mm256_storeu_ps(p, v); }
  static R set1(T x) { return _mm256_set1_ps(x); }
  static R add(R a, R b) { return _mm256_add_ps(a, b); }
  static R sub(R a, R b) { return _mm256_sub_ps(a, b); }
  static R mul(R a, R b) { return _mm256_mul_ps(a, b); }
  static R div(R a, R b) { return _mm256_div_ps(a, b); }
  static R fma(R a, R b, R c) { return _mm256_fmadd_ps(a, b, c); }
  static R fnma(R a, R b, R c) { return _mm256_fnmadd_ps(a, b, c); }
  static R min(R a, R b) { return _mm256_min_ps(a, b); }
  static R max(R a, R b) { return _mm256_max_ps(a, b); }
  static R sqrt(R a) { return _mm256_sqrt_ps(a); }
  static R abs(R a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
  static R select_lt(R a, R b, R x, R y) { return _mm256_blendv_ps(y, x, _mm256_cmp_ps(a, b, _CMP_LT_OQ)); }
  static bool all_lt(R a, R b) { return _mm256_movemask_ps(_mm256_cmp_ps(a, b, _CMP_LT_OQ)) == 0xff; }
  static R asin(R a) { return _ZGVdN8v_asinf(a); }
};

}  // namespace

void walk_avx2(const TileInput& in, Workspace<double>& ws, const TileOutput& out) { walk_tile<Avx2d>(in, ws, out); }
void walk_avx2(const TileInput& in, Workspace<float>& ws, const TileOutput& out) { walk_tile<Avx2f>(in, ws, out); }

void mean_pool_avx2(const TileInput& in, const PairInput& pair, Workspace<double>& ws, double* ntk, double* nngp) {
  mean_pool_pair<Avx2d>(in, pair, ws, ntk, nngp);
}
void mean_pool_avx2(const TileInput& in, const PairInput& pair, Workspace<float>& ws, double* ntk, double* nngp) {
  mean_pool_pair<Avx2f>(in, pair, ws, ntk, nngp);
}

void relu_dual_loop_avx2(const double* lam, const double* scale, double* v, double* dv, std::size_t n,
                        std::size_t repeats) {
  relu_dual_loop<Avx2d>(lam, scale, v, dv, n, repeats);
}

void relu_update_loop_avx2(double* v, double* vth, const double* input, const double* col_norm,
                           const double* col_inv_norm, const SelfCell& row, std::size_t rows, std::size_t lanes,
                           std::size_t repeats) {
  relu_update_loop<Avx2d>(v, vth, input, col_norm, col_inv_norm, row, rows, lanes, repeats);
}

}  // namespace rntk::engine
