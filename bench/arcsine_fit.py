#!/usr/bin/python3
"""Fit the polynomials of src/engine/arcsine.hpp and measure their error.

    /usr/bin/python3 bench/arcsine_fit.py

twice_asin_of_sqrt(r) = 2 asin(sqrt r) for r in [0, 1/2] evaluates asin(x) = x (1 + z P(z)), z =
x^2, only for z in [0, 1/4]: x = sqrt(r) when r < 1/4, else x = 1 - 2r and the angle is pi/2 -
asin(x). P is fitted by least squares in the Chebyshev basis on Chebyshev nodes of [0, 1/4],
against long-double values of (asin(sqrt z)/sqrt z - 1) / z, and converted to powers of z. The
error is measured at 400,001 points of r in [0, 1/2], every operation rounded to the target
precision (multiply-adds as a product and a sum, so slightly pessimistic), relative to long-double
2 asin(sqrt r). P is evaluated as arcsine.hpp does: by Horner's rule in float, as E(z^2) + z O(z^2)
in double. Prints the coefficients (constant term first) as C++.

It also fits the polynomial of float ReLU's distance form (src/engine/relu_update.hpp, kSeries):
P(r) = (sin theta - theta cos theta) / (pi r^(3/2)), theta = 2 asin(sqrt r), r in [0, 1/4], degree
3, weighted for relative error, against 40-digit values (mpmath), and measures in float its
relative error and that of E / c = 2r - r^(3/2) P(r) (the pair's distance where the variances are
equal, the case where E is smallest next to its terms).
"""

import mpmath
import numpy as np
from numpy.polynomial import chebyshev, Polynomial

DEGREES = {"float": (np.float32, 4), "double": (np.float64, 11)}


def fit(degree, nodes=6000):
    z = (0.125 - 0.125 * np.cos(np.pi * (np.arange(nodes) + 0.5) / nodes)).astype(np.longdouble)
    root = np.sqrt(z)
    target = ((np.arcsin(root) / root) - 1) / z
    series = chebyshev.chebfit(8 * z.astype(np.float64) - 1, target.astype(np.float64), degree)
    return Polynomial(chebyshev.cheb2poly(series))(Polynomial([-1.0, 8.0])).coef  # t = 8z - 1


def relative_error(coefficients, dtype):
    r = np.linspace(0.0, 0.5, 400001).astype(dtype)
    c = [dtype(v) for v in coefficients]
    low = r < dtype(0.25)
    y = (dtype(1) - dtype(2) * r).astype(dtype)
    x = np.where(low, np.sqrt(r), y).astype(dtype)
    z = np.where(low, r, (y * y).astype(dtype)).astype(dtype)
    if len(c) > 7:  # arcsine.hpp's even/odd split: P(z) = E(z^2) + z O(z^2)
        z2 = (z * z).astype(dtype)
        even, odd = np.full_like(z, c[-2]), np.full_like(z, c[-1])
        for k in range(len(c) - 4, -1, -2):
            even = (even * z2 + c[k]).astype(dtype)
        for k in range(len(c) - 3, 0, -2):
            odd = (odd * z2 + c[k]).astype(dtype)
        p = (odd * z + even).astype(dtype)
    else:
        p = np.full_like(z, c[-1])
        for k in range(len(c) - 2, -1, -1):
            p = (p * z + c[k]).astype(dtype)
    arcsine = ((x * z).astype(dtype) * p + x).astype(dtype)
    angle = np.where(low, (arcsine + arcsine).astype(dtype), (dtype(np.pi / 2) - arcsine).astype(dtype))
    exact = 2 * np.arcsin(np.sqrt(r.astype(np.longdouble)))
    return float(np.max(np.abs(angle.astype(np.longdouble) - exact) / np.maximum(exact, np.longdouble(1e-300))))


def distance_series(r):
    """(sin theta - theta cos theta) / (pi r^(3/2)) for theta = 2 asin(sqrt r), to 40 digits."""
    r = mpmath.mpf(r)
    theta = 2 * mpmath.asin(mpmath.sqrt(r))
    return (mpmath.sin(theta) - theta * mpmath.cos(theta)) / (mpmath.pi * r ** mpmath.mpf(1.5))


def fit_distance_series(degree=3, nodes=3000):
    mpmath.mp.dps = 40
    r = 0.125 - 0.125 * np.cos(np.pi * (np.arange(nodes) + 0.5) / nodes)
    target = np.array([float(distance_series(v)) for v in r])
    series = chebyshev.chebfit(8 * r - 1, target, degree, w=1 / target)
    return Polynomial(chebyshev.cheb2poly(series))(Polynomial([-1.0, 8.0])).coef


def distance_series_errors(coefficients):
    c = [np.float32(v) for v in coefficients]
    r = np.linspace(0.0, 0.25, 2001)[1:].astype(np.float32)
    p = np.full_like(r, c[-1])
    for k in range(len(c) - 2, -1, -1):
        p = (p * r + c[k]).astype(np.float32)
    exact = np.array([float(distance_series(float(v))) for v in r])
    wide = r.astype(np.float64)
    e_exact = 2 * wide - wide ** 1.5 * exact
    e_float = 2 * wide - wide ** 1.5 * p.astype(np.float64)
    return np.max(np.abs(p - exact) / exact), np.max(np.abs(e_float - e_exact) / e_exact)


def main():
    for name, (dtype, degree) in DEGREES.items():
        coefficients = fit(degree)
        digits = "%.9g" if dtype == np.float32 else "%.17g"  # enough to round-trip
        text = [digits % dtype(v) for v in coefficients]
        print(f"// {name}, degree {degree}: relative error {relative_error([float(t) for t in text], dtype):.2e}")
        print("{" + ", ".join(text) + "}")
    coefficients = ["%.9g" % np.float32(v) for v in fit_distance_series()]
    series_error, e_error = distance_series_errors([float(t) for t in coefficients])
    print(f"// float distance form, degree 3: relative error {series_error:.2e}, of E {e_error:.2e}")
    print("{" + ", ".join(coefficients) + "}")


if __name__ == "__main__":
    main()
