// Infinite-width training dynamics and the NNGP posterior against direct linear algebra.
#include <gtest/gtest.h>

#include "rntk/dynamics.hpp"
#include "rntk/gram.hpp"
#include "test_util.hpp"

namespace rntk {
namespace {

using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

Eigen::MatrixXd dense(const Matrix& m) {
  return Eigen::Map<const RowMajor>(m.data(), static_cast<Eigen::Index>(m.rows()), static_cast<Eigen::Index>(m.cols()));
}

struct Problem {
  GramResult train, test;
  Eigen::MatrixXd y;
  std::vector<double> test_diagonal;
};

Problem problem() {
  const SequenceSet x = testing::random_set(12, 2, 3, 15, 41), z = testing::random_set(5, 2, 3, 15, 42);
  Settings s;
  s.kernel.layers = 2;
  Problem p{gram(x.view(), s), gram(z.view(), x.view(), s), Eigen::MatrixXd::Random(12, 2), self_kernels(z.view(), s, false)};
  return p;
}

TEST(Dynamics, GradientFlowStartsAtZeroAndEndsInKernelRegression) {
  const Problem p = problem();
  // Early means eta t lam_max << 1: then the prediction moves along eta t Theta(x*, X) y.
  const double eta = 0.5;
  const double early_t = 1e-4 / (eta * Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(dense(p.train.ntk)).eigenvalues().maxCoeff());
  const std::vector<Eigen::MatrixXd> flow = gradient_flow_mean(p.train.ntk, p.test.ntk, p.y, eta, {0.0, early_t, kInfiniteTime});
  EXPECT_EQ(flow[0].norm(), 0.0);
  const Eigen::MatrixXd regression = dense(p.test.ntk) * dense(p.train.ntk).fullPivLu().solve(p.y);
  EXPECT_LT((flow[2] - regression).norm(), 1e-8 * regression.norm());
  const Eigen::MatrixXd early = eta * early_t * dense(p.test.ntk) * p.y;
  EXPECT_LT((flow[1] - early).norm(), 1e-3 * early.norm());
}

TEST(Dynamics, GradientFlowOnTrainingPointsDecaysLikeTheExponential) {
  const Problem p = problem();
  const double eta = 0.3, t = 0.7;
  const Eigen::MatrixXd theta = dense(p.train.ntk);
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(theta);
  const Eigen::MatrixXd decay = eig.eigenvectors() * (-eta * t * eig.eigenvalues()).array().exp().matrix().asDiagonal() *
                                eig.eigenvectors().transpose();
  // On the training points the mean prediction is (I - exp(-eta t Theta)) y.
  const Eigen::MatrixXd on_train = gradient_flow_mean(p.train.ntk, p.train.ntk, p.y, eta, {t})[0];
  EXPECT_LT((on_train - (p.y - decay * p.y)).norm(), 1e-9 * p.y.norm());
}

TEST(Dynamics, GpPosteriorMatchesTheTextbookFormulas) {
  const Problem p = problem();
  const double noise = 0.05;
  const GpPosterior post = gp_posterior(p.train.nngp, p.test.nngp, p.test_diagonal, p.y, noise);
  const Eigen::MatrixXd k = dense(p.train.nngp) + noise * Eigen::MatrixXd::Identity(12, 12);
  const Eigen::MatrixXd ks = dense(p.test.nngp);
  EXPECT_LT((post.mean - ks * k.ldlt().solve(p.y)).norm(), 1e-9 * post.mean.norm());
  const Eigen::MatrixXd explained = ks * k.ldlt().solve(ks.transpose());
  for (Eigen::Index r = 0; r < ks.rows(); ++r) {
    EXPECT_NEAR(post.variance[r], p.test_diagonal[static_cast<std::size_t>(r)] - explained(r, r), 1e-9);
    EXPECT_GT(post.variance[r], 0.0);
  }
}

}  // namespace
}  // namespace rntk
