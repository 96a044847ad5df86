// What infinitely wide networks predict after training, from their kernels (the NTK theory the RNTK
// builds on: Jacot et al. 2018; Lee et al. 2019).
//
// Gradient flow on the squared error (1/2) sum_i (f(x_i) - y_i)^2 with learning rate eta, started from
// the random initialisation: the network's mean prediction (over initialisations) at time t is
//
//   mu_t(x*) = Theta(x*, X) Theta^-1 (I - exp(-eta t Theta)) y
//
// with Theta the NTK: 0 at t = 0, kernel regression Theta(x*, X) Theta^-1 y at t = infinity.
// Computed from the eigendecomposition Theta = Q diag(lam) Q^T as Q diag(g(lam)) Q^T y with
// g(lam) = (1 - exp(-eta t lam)) / lam, which tends to eta t as lam -> 0 (and, at t = infinity,
// to the pseudo-inverse, 0 on eigenvalues below 1e-12 of the largest).
//
// Bayesian inference with the NNGP K as prior and Gaussian noise of variance `noise`:
//
//   mean(x*) = K(x*, X) (K + noise I)^-1 y,   var(x*) = K(x*, x*) - K(x*, X) (K + noise I)^-1 K(X, x*)
#pragma once

#include <Eigen/Dense>
#include <limits>
#include <vector>

#include "rntk/matrix.hpp"

namespace rntk {

constexpr double kInfiniteTime = std::numeric_limits<double>::infinity();

// Mean predictions at each time: one matrix (test x outputs) per time. theta_train: Theta(X, X);
// theta_test: Theta(X*, X); targets: one column per output (one-hot classes, or values).
std::vector<Eigen::MatrixXd> gradient_flow_mean(const Matrix& theta_train, const Matrix& theta_test,
                                                const Eigen::MatrixXd& targets, double eta,
                                                const std::vector<double>& times);

struct GpPosterior {
  Eigen::MatrixXd mean;      // test x outputs
  Eigen::VectorXd variance;  // per test sequence (the same for every output)
};

// k_test_diagonal: K(x*, x*) of each test sequence.
GpPosterior gp_posterior(const Matrix& k_train, const Matrix& k_test, const std::vector<double>& k_test_diagonal,
                         const Eigen::MatrixXd& targets, double noise);

// Discrete gradient descent in the linearised regime, on the training points: f_k = y + (I - eta
// Theta)^k (f_0 - y), for k = 0 .. steps. What a wide network's training outputs follow.
std::vector<Eigen::VectorXd> linearised_descent(const Matrix& theta_train, const Eigen::VectorXd& f0,
                                                const Eigen::VectorXd& y, double eta, int steps);

}  // namespace rntk
