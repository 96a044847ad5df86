#include "rntk/dynamics.hpp"

#include <cmath>
#include <string>

#include "rntk/error.hpp"

namespace rntk {
namespace {

using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

Eigen::MatrixXd to_eigen(const Matrix& m) {
  return Eigen::Map<const RowMajor>(m.data(), static_cast<Eigen::Index>(m.rows()), static_cast<Eigen::Index>(m.cols()));
}

void check_shapes(const Matrix& train, const Matrix& test, const Eigen::MatrixXd& targets) {
  if (train.rows() != train.cols() || test.cols() != train.rows() ||
      static_cast<std::size_t>(targets.rows()) != train.rows()) {
    throw input_error("kernel and target shapes do not match: train " + std::to_string(train.rows()) + " x " +
                      std::to_string(train.cols()) + ", test " + std::to_string(test.rows()) + " x " +
                      std::to_string(test.cols()) + ", targets " + std::to_string(targets.rows()));
  }
}

}  // namespace

std::vector<Eigen::MatrixXd> gradient_flow_mean(const Matrix& theta_train, const Matrix& theta_test,
                                                const Eigen::MatrixXd& targets, double eta,
                                                const std::vector<double>& times) {
  check_shapes(theta_train, theta_test, targets);
  if (!(eta > 0.0) || !std::isfinite(eta)) throw parameter_error("the learning rate eta must be positive and finite");
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(to_eigen(theta_train));
  const Eigen::VectorXd& lam = eig.eigenvalues();
  const Eigen::MatrixXd& q = eig.eigenvectors();
  const double floor = 1e-12 * std::max(std::abs(lam.maxCoeff()), std::abs(lam.minCoeff()));
  const Eigen::MatrixXd projected = q.transpose() * targets;  // y in the eigenbasis
  const Eigen::MatrixXd cross = to_eigen(theta_test) * q;
  std::vector<Eigen::MatrixXd> out;
  for (const double t : times) {
    if (!(t >= 0.0)) throw parameter_error("training times must be >= 0 (infinity allowed)");
    Eigen::VectorXd g(lam.size());
    for (Eigen::Index i = 0; i < lam.size(); ++i) {
      const double l = lam[i];
      if (std::isinf(t)) {
        g[i] = l > floor ? 1.0 / l : 0.0;  // kernel regression (pseudo-inverse)
      } else if (std::abs(l) <= floor) {
        g[i] = eta * t;  // the limit of (1 - exp(-eta t l)) / l
      } else {
        g[i] = -std::expm1(-eta * t * l) / l;
      }
    }
    out.push_back(cross * g.asDiagonal() * projected);
  }
  return out;
}

GpPosterior gp_posterior(const Matrix& k_train, const Matrix& k_test, const std::vector<double>& k_test_diagonal,
                         const Eigen::MatrixXd& targets, double noise) {
  check_shapes(k_train, k_test, targets);
  if (!(noise >= 0.0) || !std::isfinite(noise)) throw parameter_error("the noise variance must be >= 0 and finite");
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(to_eigen(k_train));
  const Eigen::VectorXd& lam = eig.eigenvalues();
  const double floor = 1e-12 * std::max(std::abs(lam.maxCoeff()), std::abs(lam.minCoeff()));
  Eigen::VectorXd inverse(lam.size());
  for (Eigen::Index i = 0; i < lam.size(); ++i) inverse[i] = lam[i] + noise > floor ? 1.0 / (lam[i] + noise) : 0.0;
  const Eigen::MatrixXd cross = to_eigen(k_test) * eig.eigenvectors();  // K(X*, X) Q
  GpPosterior p;
  p.mean = cross * inverse.asDiagonal() * (eig.eigenvectors().transpose() * targets);
  p.variance.resize(cross.rows());
  for (Eigen::Index r = 0; r < cross.rows(); ++r) {
    const double explained = (cross.row(r).array().square() * inverse.transpose().array()).sum();
    p.variance[r] = std::max(0.0, k_test_diagonal[static_cast<std::size_t>(r)] - explained);
  }
  return p;
}

std::vector<Eigen::VectorXd> linearised_descent(const Matrix& theta_train, const Eigen::VectorXd& f0,
                                                const Eigen::VectorXd& y, double eta, int steps) {
  const Eigen::MatrixXd theta = to_eigen(theta_train);
  std::vector<Eigen::VectorXd> out{f0};
  Eigen::VectorXd residual = f0 - y;
  for (int k = 0; k < steps; ++k) {
    residual -= eta * (theta * residual);
    out.push_back(y + residual);
  }
  return out;
}

}  // namespace rntk
