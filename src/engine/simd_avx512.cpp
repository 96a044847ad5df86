// The tile walk for AVX-512 (this file is compiled with -mavx512f -mavx512dq): 8 doubles or 16
// floats per vector; arc-sine from glibc's vector math library (libmvec); ReLU's arc-cosine is a polynomial (arcsine.hpp).
#include <immintrin.h>

// GCC 12 warns that _mm512_min_pd / _mm512_max_pd read an uninitialised operand: their header passes
// _mm512_undefined_pd() as the masked-off source, which a full mask never reads.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "dispatch.hpp"
#include "tile_walk.hpp"

extern "C" {
__m512d _ZGVeN8v_asin(__m512d);
__m512 _ZGVeN16v_asinf(__m512);
}

namespace rntk::engine {
namespace {

struct Avx512d {
  using T = double;
  using R = __m512d;
  static constexpr std::size_t W = 8;
  static R load(const T* p) { return _mm512_loadu_pd(p); }
  static void store(T* p, R v) { _mm512_storeu_pd(p, v); }
  static R set1(T x) { return _mm512_set1_pd(x); }
  static R add(R a, R b) { return _mm512_add_pd(a, b); }
  static R sub(R a, R b) { return _mm512_sub_pd(a, b); }
  static R mul(R a, R b) { return _mm512_mul_pd(a, b); }
  static R div(R a, R b) { return _mm512_div_pd(a, b); }
  static R fma(R a, R b, R c) { return _mm512_fmadd_pd(a, b, c); }
  static R fnma(R a, R b, R c) { return _mm512_fnmadd_pd(a, b, c); }
  static R min(R a, R b) { return _mm512_min_pd(a, b); }
  static R max(R a, R b) { return _mm512_max_pd(a, b); }
  static R sqrt(R a) { return _mm512_sqrt_pd(a); }
  static R abs(R a) { return _mm512_abs_pd(a); }
  // a < b ? x : y, lane by lane
  static R select_lt(R a, R b, R x, R y) { return _mm512_mask_blend_pd(_mm512_cmp_pd_mask(a, b, _CMP_LT_OQ), y, x); }
  static bool all_lt(R a, R b) { return _mm512_cmp_pd_mask(a, b, _CMP_LT_OQ) == 0xff; }  // in every lane
  static R asin(R a) { return _ZGVeN8v_asin(a); }
};

struct Avx512f {
  using T = float;
  using R = __m512;
  static constexpr std::size_t W = 16;
  static R load(const T* p) { return _mm512_loadu_ps(p); }
  static void store(T* p, R v) { _mm512_storeu_ps(p, v); }
  static R set1(T x) { return _mm512_set1_ps(x); }
  static R add(R a, R b) { return _mm512_add_ps(a, b); }
  static R sub(R a, R b) { return _mm512_sub_ps(a, b); }
  static R mul(R a, R b) { return _mm512_mul_ps(a, b); }
  static R div(R a, R b) { return _mm512_div_ps(a, b); }
  static R fma(R a, R b, R c) { return _mm512_fmadd_ps(a, b, c); }
  static R fnma(R a, R b, R c) { return _mm512_fnmadd_ps(a, b, c); }
  static R min(R a, R b) { return _mm512_min_ps(a, b); }
  static R max(R a, R b) { return _mm512_max_ps(a, b); }
  static R sqrt(R a) { return _mm512_sqrt_ps(a); }
  static R abs(R a) { return _mm512_abs_ps(a); }
  static R select_lt(R a, R b, R x, R y) { return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, b, _CMP_LT_OQ), y, x); }
  static bool all_lt(R a, R b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ) == 0xffff; }
  static R asin(R a) { return _ZGVeN16v_asinf(a); }
};

}  // namespace

void walk_avx512(const TileInput& in, Workspace<double>& ws, const TileOutput& out) { walk_tile<Avx512d>(in, ws, out); }
void walk_avx512(const TileInput& in, Workspace<float>& ws, const TileOutput& out) { walk_tile<Avx512f>(in, ws, out); }

void mean_pool_avx512(const TileInput& in, const PairInput& pair, Workspace<double>& ws, double* ntk, double* nngp) {
  mean_pool_pair<Avx512d>(in, pair, ws, ntk, nngp);
}
void mean_pool_avx512(const TileInput& in, const PairInput& pair, Workspace<float>& ws, double* ntk, double* nngp) {
  mean_pool_pair<Avx512f>(in, pair, ws, ntk, nngp);
}

void relu_dual_loop_avx512(const double* lam, const double* scale, double* v, double* dv, std::size_t n,
                        std::size_t repeats) {
  relu_dual_loop<Avx512d>(lam, scale, v, dv, n, repeats);
}

void relu_update_loop_avx512(double* v, double* vth, const double* input, const double* col_norm,
                             const double* col_inv_norm, const SelfCell& row, std::size_t rows, std::size_t lanes,
                             std::size_t repeats) {
  relu_update_loop<Avx512d>(v, vth, input, col_norm, col_inv_norm, row, rows, lanes, repeats);
}

}  // namespace rntk::engine
