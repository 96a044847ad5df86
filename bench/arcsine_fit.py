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
"""

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


def main():
    for name, (dtype, degree) in DEGREES.items():
        coefficients = fit(degree)
        digits = "%.9g" if dtype == np.float32 else "%.17g"  # enough to round-trip
        text = [digits % dtype(v) for v in coefficients]
        print(f"// {name}, degree {degree}: relative error {relative_error([float(t) for t in text], dtype):.2e}")
        print("{" + ", ".join(text) + "}")


if __name__ == "__main__":
    main()
