#!/usr/bin/python3
"""Fit the polynomials of src/engine/arcsine.hpp and measure their error.

    /usr/bin/python3 bench/arcsine_fit.py

asin(sqrt(r)) = sqrt(r) (1 + r P(r)) for r in [0, 1/2]. P is fitted by least squares in the
Chebyshev basis on Chebyshev nodes of [0, 1/2], against long-double values of (asin(sqrt r)/sqrt r
- 1) / r, and converted to powers of r. The error is measured at 400,001 points of [0, 1/2], with P
evaluated by Horner's rule in the target precision (float: every operation rounded to float),
relative to long-double asin(sqrt(r)). Prints the coefficients (constant term first) as C++.
"""

import numpy as np
from numpy.polynomial import chebyshev, Polynomial

DEGREES = {"float": (np.float32, 6), "double": (np.float64, 16)}


def fit(degree, nodes=6000):
    r = (0.25 - 0.25 * np.cos(np.pi * (np.arange(nodes) + 0.5) / nodes)).astype(np.longdouble)
    root = np.sqrt(r)
    target = ((np.arcsin(root) / root) - 1) / r
    series = chebyshev.chebfit(4 * r.astype(np.float64) - 1, target.astype(np.float64), degree)
    return Polynomial(chebyshev.cheb2poly(series))(Polynomial([-1.0, 4.0])).coef  # t = 4r - 1


def relative_error(coefficients, dtype):
    r = np.linspace(0.0, 0.5, 400001).astype(dtype)
    c = [dtype(v) for v in coefficients]
    p = np.full_like(r, c[-1])
    for k in range(len(c) - 2, -1, -1):
        p = (p * r + c[k]).astype(dtype)
    root = np.sqrt(r)
    approx = (root * r * p + root).astype(dtype)
    exact = np.arcsin(np.sqrt(r.astype(np.longdouble)))
    return float(np.max(np.abs(approx.astype(np.longdouble) - exact) / np.maximum(exact, np.longdouble(1e-300))))


def main():
    for name, (dtype, degree) in DEGREES.items():
        coefficients = fit(degree)
        digits = "%.9g" if dtype == np.float32 else "%.17g"  # enough to round-trip
        text = [digits % dtype(v) for v in coefficients]
        print(f"// {name}, degree {degree}: relative error {relative_error([float(t) for t in text], dtype):.2e}")
        print("{" + ", ".join(text) + "}")


if __name__ == "__main__":
    main()
