// Inline arc-sine and arc-cosine for the ReLU cell updates: polynomials, so that an update is one
// pass over the lanes with nothing live across a call into libmvec (tile_walk.hpp explains why
// that matters), in float and in double.
#pragma once

#include <numbers>
#include <type_traits>

namespace rntk::engine {

// asin(sqrt(r)) for r in [0, 1/2]: sqrt(r) (1 + r P(r)), P fitted by least squares on Chebyshev
// nodes of [0, 1/2] against long-double values by bench/arcsine_fit.py, which prints these
// coefficients: degree 6 in float, 16 in double. Relative error, measured there at 400,001 points
// with Horner's rule in the target precision: 1.4e-7 in float, 6.0e-16 in double (about one and
// three units in the last place).
template <class V>
inline typename V::R asin_of_sqrt(typename V::R r) {
  using T = typename V::T;
  static constexpr double kFloat[] = {0.166666746, 0.0749847814, 0.0451061465, 0.0251852013,
                                      0.049307134, -0.0501919091, 0.0860375464};
  static constexpr double kDouble[] = {
      0.16666666666665997,  0.07500000000202113,   0.044642856972255535, 0.030381950402190987,
      0.022372072733545988, 0.01735260414143576,   0.013990979679123782, 0.01108474468357392,
      0.014445819954041645, -0.022738536589195335, 0.15231260693823045,  -0.47683282495967461,
      1.1583991858070801,   -1.9252649527798158,   2.1737082289753413,   -1.477729795807905,
      0.47905449985149262};
  constexpr const double* c = std::is_same_v<T, float> ? kFloat : kDouble;
  constexpr int degree = std::is_same_v<T, float> ? 6 : 16;
  auto p = V::set1(static_cast<T>(c[degree]));
  for (int k = degree - 1; k >= 0; --k) p = V::fma(p, r, V::set1(static_cast<T>(c[k])));
  const auto root = V::sqrt(r);
  return V::fma(V::mul(root, r), p, root);
}

// acos(lam) for lam in [-1, 1]: 2 asin(sqrt((1 - |lam|) / 2)), reflected for lam < 0
// (acos(-x) = pi - acos(x)). (1 - |lam|) / 2 is exact for |lam| >= 1/2, where acos is steep.
template <class V>
inline typename V::R arc_cosine(typename V::R lam) {
  using T = typename V::T;
  const auto half = V::set1(T(0.5));
  const auto magnitude = V::max(lam, V::sub(V::set1(T(0)), lam));
  const auto a = asin_of_sqrt<V>(V::fnma(half, magnitude, half));
  return V::select_lt(lam, V::set1(T(0)), V::fnma(V::set1(T(2)), a, V::set1(std::numbers::pi_v<T>)), V::add(a, a));
}

}  // namespace rntk::engine
