#include "rntk/activations.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <numbers>

#include "rntk/error.hpp"

namespace rntk {
namespace {

constexpr double kPi = std::numbers::pi;

// Gauss quadrature nodes and weights by Golub-Welsch: the eigenvalues of the Jacobi matrix (diagonal
// a_k, off-diagonal b_k) and mu0 times the squared first components of its eigenvectors.
void golub_welsch(const std::vector<double>& a, const std::vector<double>& b, double mu0,
                  std::vector<double>& nodes, std::vector<double>& weights) {
  const auto n = static_cast<Eigen::Index>(a.size());
  Eigen::MatrixXd j = Eigen::MatrixXd::Zero(n, n);
  for (Eigen::Index k = 0; k < n; ++k) j(k, k) = a[static_cast<std::size_t>(k)];
  for (Eigen::Index k = 1; k < n; ++k) j(k, k - 1) = j(k - 1, k) = b[static_cast<std::size_t>(k - 1)];
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(j);
  nodes.assign(eig.eigenvalues().data(), eig.eigenvalues().data() + n);
  weights.resize(static_cast<std::size_t>(n));
  for (Eigen::Index k = 0; k < n; ++k) weights[static_cast<std::size_t>(k)] = mu0 * eig.eigenvectors()(0, k) * eig.eigenvectors()(0, k);
}

double phi_of(const KernelParams& p, double z) {
  switch (p.activation) {
    case Activation::kRelu:
      return std::max(z, 0.0);
    case Activation::kErf:
      return std::erf(z);
    case Activation::kIdentity:
      return z;
    case Activation::kLeakyRelu:
      return z >= 0.0 ? z : p.leaky_slope * z;
    case Activation::kTanh:
      return std::tanh(z);
    case Activation::kSigmoid:
      return 1.0 / (1.0 + std::exp(-z));
    case Activation::kGelu:
      return 0.5 * z * std::erfc(-z / std::numbers::sqrt2);
    case Activation::kCustom:
      return p.custom->phi(z);
  }
  return 0.0;
}

double dphi_of(const KernelParams& p, double z) {
  switch (p.activation) {
    case Activation::kRelu:
      return z > 0.0 ? 1.0 : 0.0;
    case Activation::kErf:
      return 2.0 / std::sqrt(kPi) * std::exp(-z * z);
    case Activation::kIdentity:
      return 1.0;
    case Activation::kLeakyRelu:
      return z > 0.0 ? 1.0 : p.leaky_slope;
    case Activation::kTanh: {
      const double t = std::tanh(z);
      return 1.0 - t * t;
    }
    case Activation::kSigmoid: {
      const double s = 1.0 / (1.0 + std::exp(-z));
      return s * (1.0 - s);
    }
    case Activation::kGelu:
      return 0.5 * std::erfc(-z / std::numbers::sqrt2) + z * std::exp(-0.5 * z * z) / std::sqrt(2.0 * kPi);
    case Activation::kCustom:
      return p.custom->dphi(z);
  }
  return 0.0;
}

}  // namespace

SampledActivation::SampledActivation(double lo, double hi, std::vector<double> phi, std::vector<double> dphi)
    : lo_(lo), hi_(hi), phi_(std::move(phi)), dphi_(std::move(dphi)) {
  if (!(hi > lo) || phi_.size() < 2 || phi_.size() != dphi_.size()) {
    throw parameter_error("a sampled activation needs lo < hi and at least 2 samples of phi and phi'");
  }
  for (std::size_t i = 0; i < phi_.size(); ++i) {
    if (!std::isfinite(phi_[i]) || !std::isfinite(dphi_[i])) {
      throw parameter_error("the activation is not finite at z = " +
                            std::to_string(lo + (hi - lo) * static_cast<double>(i) / static_cast<double>(phi_.size() - 1)));
    }
  }
  step_ = (hi - lo) / static_cast<double>(phi_.size() - 1);
}

double SampledActivation::phi(double z) const {
  if (z <= lo_) return phi_.front() + dphi_.front() * (z - lo_);
  if (z >= hi_) return phi_.back() + dphi_.back() * (z - hi_);
  const double x = (z - lo_) / step_;
  const std::size_t i = std::min(static_cast<std::size_t>(x), phi_.size() - 2);
  const double t = x - static_cast<double>(i);
  // Cubic Hermite on [i, i + 1] from values and derivatives (scaled to the unit interval).
  const double h00 = (1 + 2 * t) * (1 - t) * (1 - t), h10 = t * (1 - t) * (1 - t);
  const double h01 = t * t * (3 - 2 * t), h11 = t * t * (t - 1);
  return h00 * phi_[i] + h10 * step_ * dphi_[i] + h01 * phi_[i + 1] + h11 * step_ * dphi_[i + 1];
}

double SampledActivation::dphi(double z) const {
  if (z <= lo_) return dphi_.front();
  if (z >= hi_) return dphi_.back();
  const double x = (z - lo_) / step_;
  const std::size_t i = std::min(static_cast<std::size_t>(x), dphi_.size() - 2);
  const double t = x - static_cast<double>(i);
  // The derivative of phi's cubic Hermite interpolant, so that phi and phi' stay consistent.
  const double d00 = 6 * t * t - 6 * t, d10 = 3 * t * t - 4 * t + 1, d01 = -d00, d11 = 3 * t * t - 2 * t;
  return (d00 * phi_[i] + d01 * phi_[i + 1]) / step_ + d10 * dphi_[i] + d11 * dphi_[i + 1];
}

double activation_value(const KernelParams& p, double z) { return phi_of(p, z); }
double activation_derivative(const KernelParams& p, double z) { return dphi_of(p, z); }

bool has_closed_form(Activation a) {
  return a == Activation::kRelu || a == Activation::kErf || a == Activation::kIdentity || a == Activation::kLeakyRelu;
}

bool is_homogeneous(Activation a) {
  return a == Activation::kRelu || a == Activation::kIdentity || a == Activation::kLeakyRelu;
}

Duals::Duals(const KernelParams& p, bool force_quadrature)
    : params_(p), quadrature_(force_quadrature || !has_closed_form(p.activation)) {
  if (p.activation == Activation::kCustom && !p.custom) {
    throw parameter_error("activation custom needs a sampled function (from the Python module)");
  }
  if (!quadrature_) return;
  const std::size_t n = static_cast<std::size_t>(p.quadrature);
  std::vector<double> a(n), b(n - 1);
  // Laguerre (weight e^-t on [0, inf)): a_k = 2k + 1, b_k = k + 1.
  for (std::size_t k = 0; k < n; ++k) a[k] = 2.0 * static_cast<double>(k) + 1.0;
  for (std::size_t k = 0; k + 1 < n; ++k) b[k] = static_cast<double>(k + 1);
  golub_welsch(a, b, 1.0, radius_, radius_weight_);
  for (double& t : radius_) t = std::sqrt(2.0 * t);  // r = sqrt(2 t)
  // Legendre (weight 1 on [-1, 1]): a_k = 0, b_k = (k + 1) / sqrt(4 (k + 1)^2 - 1).
  std::fill(a.begin(), a.end(), 0.0);
  for (std::size_t k = 0; k + 1 < n; ++k) {
    const double m = static_cast<double>(k + 1);
    b[k] = m / std::sqrt(4.0 * m * m - 1.0);
  }
  golub_welsch(a, b, 2.0, angle_, angle_weight_);
}

double Duals::norm(double k) const {
  return params_.activation == Activation::kErf ? std::sqrt(1.0 + 2.0 * k) : std::sqrt(k);
}

// E[g(a z)], z ~ N(0, 1), for g = phi, phi', phi^2 or phi'^2 of the activation: composite
// Gauss-Legendre on z in [0, 9] (and the mirror image), with panels no wider than 1 (so the
// Gaussian factor is smooth on each) and a break at z = 4 / a, where a steep activation (large a)
// has finished changing. Beyond 9 the Gaussian weight is below 1e-17.
template <class G>
double Duals::gaussian_expectation(double a, G&& g) const {
  constexpr double kEnd = 9.0;
  std::vector<double> edges{0.0};
  const double knee = a > 0.0 ? 4.0 / a : kEnd;
  for (double z = 1.0; z < kEnd; z += 1.0) {
    if (knee > edges.back() && knee < z) edges.push_back(knee);
    edges.push_back(z);
  }
  edges.push_back(kEnd);
  double sum = 0.0;
  for (std::size_t e = 0; e + 1 < edges.size(); ++e) {
    const double mid = 0.5 * (edges[e] + edges[e + 1]), half = 0.5 * (edges[e + 1] - edges[e]);
    for (std::size_t j = 0; j < angle_.size(); ++j) {
      const double z = mid + half * angle_[j];
      sum += half * angle_weight_[j] * std::exp(-0.5 * z * z) * (g(a * z) + g(-a * z));
    }
  }
  return sum / std::sqrt(2.0 * kPi);
}

double Duals::expect_1d(double a, bool derivative) const {
  return gaussian_expectation(a, [&](double u) { return derivative ? dphi_of(params_, u) : phi_of(params_, u); });
}

double Duals::expect_self(double a, bool derivative) const {
  return gaussian_expectation(a, [&](double u) {
    const double f = derivative ? dphi_of(params_, u) : phi_of(params_, u);
    return f * f;
  });
}

DualValues Duals::self(double k) const {
  switch (quadrature_ ? Activation::kCustom : params_.activation) {
    case Activation::kRelu:
      return {0.5 * k, 0.5};
    case Activation::kErf:
      // The cancellation-free form of spec section 5 with rho = 1.
      return {2.0 / kPi * std::asin(2.0 * k / (1.0 + 2.0 * k)), 4.0 / kPi / std::sqrt(1.0 + 4.0 * k)};
    case Activation::kIdentity:
      return {k, 1.0};
    case Activation::kLeakyRelu: {
      const double alpha = 0.5 * (1.0 + params_.leaky_slope), beta = 0.5 * (1.0 - params_.leaky_slope);
      return {(alpha * alpha + beta * beta) * k, alpha * alpha + beta * beta};
    }
    default: {
      const double a = std::sqrt(k);
      return {expect_self(a, false), expect_self(a, true)};
    }
  }
}

DualValues Duals::pair(double k11, double k12, double k22) const {
  const double c = std::sqrt(k11 * k22);
  const double lam = c > 0.0 ? std::clamp(k12 / c, -1.0, 1.0) : 0.0;
  switch (quadrature_ ? Activation::kCustom : params_.activation) {
    case Activation::kRelu: {
      const double angle = kPi - std::acos(lam);
      return {c * (lam * angle + std::sqrt(1.0 - lam * lam)) / (2.0 * kPi), angle / (2.0 * kPi)};
    }
    case Activation::kErf: {
      const double arg = std::clamp(2.0 * k12 / (norm(k11) * norm(k22)), -1.0, 1.0);
      const double prod = k11 * k22;
      const double rho2 = prod > 0.0 ? std::min(1.0, k12 * k12 / prod) : 0.0;
      return {2.0 / kPi * std::asin(arg), 4.0 / kPi / std::sqrt(1.0 + 2.0 * (k11 + k22) + 4.0 * prod * (1.0 - rho2))};
    }
    case Activation::kIdentity:
      return {k12, 1.0};
    case Activation::kLeakyRelu: {
      const double alpha = 0.5 * (1.0 + params_.leaky_slope), beta = 0.5 * (1.0 - params_.leaky_slope);
      return {alpha * alpha * k12 + beta * beta * 2.0 * c / kPi * (std::sqrt(1.0 - lam * lam) + lam * std::asin(lam)),
              alpha * alpha + beta * beta * 2.0 / kPi * std::asin(lam)};
    }
    default:
      break;
  }
  // V and V' are symmetric in (k11, k22) but the rule is not: the larger variance goes first, so
  // that K(x, y) and K(y, x) come out bitwise equal.
  if (k11 < k22) std::swap(k11, k22);
  const double a = std::sqrt(k11), b = std::sqrt(k22);
  if (a == 0.0 || b == 0.0) {  // one pre-activation is identically 0
    const double other = a == 0.0 ? b : a;
    return {phi_of(params_, 0.0) * expect_1d(other, false), dphi_of(params_, 0.0) * expect_1d(other, true)};
  }
  const double psi = std::acos(lam);
  // The angles where u = a r cos(th) or v = b r cos(th - psi) changes sign, sorted, in [0, 2 pi).
  double cuts[4] = {0.5 * kPi, 1.5 * kPi, std::fmod(psi + 0.5 * kPi, 2.0 * kPi), std::fmod(psi + 1.5 * kPi, 2.0 * kPi)};
  std::sort(cuts, cuts + 4);
  double v = 0.0, dv = 0.0;
  for (int arc = 0; arc < 4; ++arc) {
    const double from = cuts[arc];
    const double to = arc < 3 ? cuts[arc + 1] : cuts[0] + 2.0 * kPi;
    if (to - from <= 0.0) continue;
    const double mid = 0.5 * (from + to), half = 0.5 * (to - from);
    for (std::size_t i = 0; i < angle_.size(); ++i) {
      const double th = mid + half * angle_[i];
      const double cu = a * std::cos(th), cv = b * std::cos(th - psi);
      double sv = 0.0, sdv = 0.0;
      for (std::size_t j = 0; j < radius_.size(); ++j) {
        const double r = radius_[j];
        sv += radius_weight_[j] * phi_of(params_, r * cu) * phi_of(params_, r * cv);
        sdv += radius_weight_[j] * dphi_of(params_, r * cu) * dphi_of(params_, r * cv);
      }
      v += half * angle_weight_[i] * sv;
      dv += half * angle_weight_[i] * sdv;
    }
  }
  return {v / (2.0 * kPi), dv / (2.0 * kPi)};
}

}  // namespace rntk
