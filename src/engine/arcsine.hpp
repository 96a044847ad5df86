// Inline arc-sine and arc-cosine for the ReLU and float erf cell updates: polynomials, so that an
// update is one pass over the lanes with nothing live across a call into libmvec (tile_walk.hpp
// explains why that matters), in float and in double.
#pragma once

#include <numbers>
#include <type_traits>

namespace rntk::engine {

// 2 asin(sqrt(r)) for r in [0, 1/2]: the angle theta in [0, pi/2] with sin^2(theta/2) = r. The
// polynomial only ever sees z in [0, 1/4], where it needs few terms: asin(x) = x (1 + z P(z)) with
// z = x^2, for x = sqrt(r) when r < 1/4, and otherwise for y = 1 - 2r = cos(theta) (exact), from
// which theta = pi/2 - asin(y). P is fitted by least squares on Chebyshev nodes of [0, 1/4]
// against long-double values by bench/arcsine_fit.py, which prints these coefficients: degree 4
// in float, 11 in double. Relative error of the angle, measured there at 400,001 points of
// [0, 1/2]: 1.3e-7 in float, 5.0e-16 in double (about one and two units in the last place). Exact
// at r = 0 (the angle 0 of a pair of equal sequences) and r = 1/2 (pi/2).

// asin(x) = x + x z P(z) for z = x^2 in [0, 1/4] (|x| <= 1/2), the polynomial of the header.
template <class V>
inline typename V::R asin_series(typename V::R x, typename V::R z) {
  using T = typename V::T;
  static constexpr double kFloat[] = {0.166666731, 0.0749880895, 0.0450107008, 0.0264942776, 0.0382064506};
  static constexpr double kDouble[] = {
      0.16666666666662852,  0.075000000013578275, 0.044642855711793793, 0.030382014209567064,
      0.022370264152227932, 0.017384328845438099, 0.013625414750362505, 0.013962512892073705,
      -0.0015305396492776291, 0.042243206151495044, -0.052693759689203513, 0.057356141818662533};
  constexpr const double* c = std::is_same_v<T, float> ? kFloat : kDouble;
  constexpr int degree = std::is_same_v<T, float> ? 4 : 11;
  typename V::R p;
  if constexpr (degree > 6) {
    // P(z) = E(z^2) + z O(z^2): two Horner chains of half the length, which the processor runs side
    // by side; one multiply more, and the double ReLU walk 5 % faster than with one chain.
    static_assert(degree % 2 == 1);
    const auto z2 = V::mul(z, z);
    auto even = V::set1(static_cast<T>(c[degree - 1]));
    for (int k = degree - 3; k >= 0; k -= 2) even = V::fma(even, z2, V::set1(static_cast<T>(c[k])));
    auto odd = V::set1(static_cast<T>(c[degree]));
    for (int k = degree - 2; k >= 1; k -= 2) odd = V::fma(odd, z2, V::set1(static_cast<T>(c[k])));
    p = V::fma(odd, z, even);
  } else {
    p = V::set1(static_cast<T>(c[degree]));
    for (int k = degree - 1; k >= 0; --k) p = V::fma(p, z, V::set1(static_cast<T>(c[k])));
  }
  return V::fma(V::mul(x, z), p, x);
}

// half_angle_parts returns the pieces, scale * angle = arcsine * factor + offset (factor 2 scale,
// offset 0 when r < 1/4; -scale and scale pi/2 above), so that a caller can fold what it does with
// the angle into that multiply-add, and x, which is sqrt(r) where r < 1/4; twice_asin_of_sqrt forms
// the angle itself.
template <class V>
struct AngleParts {
  typename V::R arcsine, factor, offset, x;
};

template <class V>
inline AngleParts<V> half_angle_parts(typename V::R r, typename V::T scale = 1) {
  using T = typename V::T;
  const auto quarter = V::set1(T(0.25));
  const auto y = V::fnma(V::set1(T(2)), r, V::set1(T(1)));
  const auto x = V::select_lt(r, quarter, V::sqrt(r), y);
  const auto z = V::select_lt(r, quarter, r, V::mul(y, y));
  return {asin_series<V>(x, z), V::select_lt(r, quarter, V::set1(2 * scale), V::set1(-scale)),
          V::select_lt(r, quarter, V::set1(T(0)), V::set1(std::numbers::pi_v<T> / 2 * scale)), x};
}

template <class V>
inline typename V::R twice_asin_of_sqrt(typename V::R r) {
  const AngleParts<V> a = half_angle_parts<V>(r);
  return V::fma(a.arcsine, a.factor, a.offset);
}

// acos(lam) for lam in [-1, 1]: 2 asin(sqrt((1 - |lam|) / 2)), reflected for lam < 0
// (acos(-x) = pi - acos(x)). (1 - |lam|) / 2 is exact for |lam| >= 1/2, where acos is steep.
template <class V>
inline typename V::R arc_cosine(typename V::R lam) {
  using T = typename V::T;
  const auto half = V::set1(T(0.5));
  const auto angle = twice_asin_of_sqrt<V>(V::fnma(half, V::abs(lam), half));
  return V::select_lt(lam, V::set1(T(0)), V::sub(V::set1(std::numbers::pi_v<T>), angle), angle);
}

// asin(s) for s in [-1, 1] (a rounding past 1 gives +-pi/2), with the polynomial's relative
// accuracy also near 0: the series for |s| <= 1/2, above it pi/2 - 2 asin(sqrt((1 - |s|) / 2))
// ((1 - |s|) / 2 is exact there).
template <class V>
inline typename V::R arc_sine(typename V::R s) {
  using T = typename V::T;
  const auto half = V::set1(T(0.5));
  const auto a = V::abs(s);
  if (V::all_lt(a, half)) return asin_series<V>(s, V::mul(s, s));  // odd: no sign to restore
  const auto z = V::select_lt(a, half, V::mul(s, s), V::max(V::fnma(half, a, half), V::set1(T(0))));
  const auto p = asin_series<V>(V::select_lt(a, half, a, V::sqrt(z)), z);
  const auto angle = V::select_lt(a, half, p, V::fnma(V::set1(T(2)), p, V::set1(std::numbers::pi_v<T> / 2)));
  return V::select_lt(s, V::set1(T(0)), V::sub(V::set1(T(0)), angle), angle);
}

}  // namespace rntk::engine
