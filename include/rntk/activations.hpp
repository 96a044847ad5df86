// Activations and their dual activations (spec section 2). For the 2x2 covariance
// K = [[k11, k12], [k12, k22]] of two pre-activations (u, v):
//   V [K] = E[phi(u)  phi(v)],   V'[K] = E[phi'(u) phi'(v)],   (u, v) ~ N(0, K).
//
// Closed forms: relu and erf (the spec's), identity (V = k12, V' = 1) and leaky ReLU with slope a,
// phi(z) = max(z, 0) + a min(z, 0) = alpha z + beta |z| (alpha = (1 + a)/2, beta = (1 - a)/2), for which
//   V  = alpha^2 k12 + beta^2 (2 c / pi) (sqrt(1 - lam^2) + lam asin lam),   c = sqrt(k11 k22)
//   V' = alpha^2 + beta^2 (2 / pi) asin lam                                  lam = k12 / c
// (from E[u |v|] = 0 and the arc-sine laws of E[|u| |v|] and E[sign u sign v]; a = 0 gives ReLU).
//
// Any other activation (tanh, sigmoid, GELU, or one sampled from a user's function) goes through
// quadrature of the 2-D Gaussian expectation in polar coordinates: (u, v) = r (a cos th, b cos(th -
// psi)) with a = sqrt(k11), b = sqrt(k22), cos psi = k12 / (a b); Gauss-Laguerre in r^2 / 2 (the
// radial Gauss-Hermite rule) and Gauss-Legendre in the angle, on the four arcs between the angles
// where u or v changes sign. Splitting there makes kinks at 0 (ReLU-like activations, step
// derivatives) cost nothing: the rule is exact to rounding for ReLU and converges spectrally for
// smooth activations, where a plain tensor Gauss-Hermite rule converges only like a power of the
// order on kinks. `order` nodes in each direction on each arc: 4 order^2 evaluations of phi (and of
// phi') per cell. The rule converges exponentially in the order; at the default order 40 it agrees
// with the closed forms to 1e-9 for variances up to 2 (tested), and steep activations (erf, tanh)
// with much larger variances need a higher order. One sample at one time (the exact-correlation
// case) is a 1-D expectation: composite Gauss-Legendre with a break where the activation has
// finished changing, accurate at any variance.
#pragma once

#include <memory>
#include <vector>

#include "rntk/params.hpp"

namespace rntk {

struct DualValues {
  double v;   // V[K]
  double dv;  // V'[K]
};

// A user's activation, sampled: phi and phi' at `count` equally spaced points of [lo, hi]; cubic
// Hermite interpolation of phi (from the samples of phi and phi'), whose derivative is phi'; linear
// extension of phi beyond (phi' constant there).
class SampledActivation {
 public:
  SampledActivation(double lo, double hi, std::vector<double> phi, std::vector<double> dphi);
  double phi(double z) const;
  double dphi(double z) const;

 private:
  double lo_, hi_, step_;
  std::vector<double> phi_, dphi_;
};

// phi(z) and phi'(z) of the activation of `p`.
double activation_value(const KernelParams& p, double z);
double activation_derivative(const KernelParams& p, double z);

// Whether the tile walk has a vectorised closed form for the activation.
bool has_closed_form(Activation a);

// Whether the dual activation is positively homogeneous: V[c K] = c V[K] and V'[c K] = V'[K] for
// c > 0 (ReLU, leaky ReLU, identity). The recursion is then linear-homogeneous in its state and
// inputs together, so the engine may carry them divided by a power of two (docs/DESIGN.md,
// "Numerics: long sequences"), with exactly the same rounding.
bool is_homogeneous(Activation a);

class Duals {
 public:
  // force_quadrature: use the quadrature even where a closed form exists (to check it).
  explicit Duals(const KernelParams& p, bool force_quadrature = false);

  DualValues self(double k) const;                          // correlation exactly 1
  DualValues pair(double k11, double k12, double k22) const;  // two samples
  // The per-sequence norm the walk uses: sqrt(1 + 2k) for erf, sqrt(k) for the others.
  double norm(double k) const;

 private:
  template <class G>
  double gaussian_expectation(double a, G&& g) const;  // E[g(a z)], z ~ N(0, 1)
  double expect_1d(double a, bool derivative) const;    // E[phi(a z)] or E[phi'(a z)]
  double expect_self(double a, bool derivative) const;  // E[phi(a z)^2] or E[phi'(a z)^2]

  KernelParams params_;
  bool quadrature_;
  std::vector<double> radius_, radius_weight_;   // Gauss-Laguerre in r^2 / 2, as radii
  std::vector<double> angle_, angle_weight_;     // Gauss-Legendre on [-1, 1]
};

}  // namespace rntk
