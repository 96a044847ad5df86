// The finite-width RNN: its gradients against finite differences, its empirical NTK against the
// inner product of gradients, and the convergence of its empirical kernels to the analytic ones.
#include <gtest/gtest.h>

#include <numeric>

#include "rntk/dynamics.hpp"
#include "rntk/finite_rnn.hpp"
#include "rntk/gram.hpp"
#include "test_util.hpp"

namespace rntk {
namespace {

using testing::random_set;

TEST(FiniteRNN, GradientMatchesFiniteDifferences) {
  for (Activation a : {Activation::kRelu, Activation::kErf}) {
    const KernelParams p{1.3, 0.9, 0.4, 0.6, 1.2, 2, a};
    FiniteRNN net(p, 2, 6, 3);
    const SequenceSet x = random_set(1, 2, 4, 4, 21);
    const std::vector<double> grad = net.gradient(x[0]);
    ASSERT_EQ(grad.size(), net.parameters().size());
    const double h = 1e-6;
    double worst = 0.0;
    for (std::size_t k = 0; k < grad.size(); ++k) {
      const double saved = net.parameters()[k];
      net.parameters()[k] = saved + h;
      const double up = net.output(x[0]);
      net.parameters()[k] = saved - h;
      const double down = net.output(x[0]);
      net.parameters()[k] = saved;
      worst = std::max(worst, std::abs((up - down) / (2 * h) - grad[k]));
    }
    EXPECT_LT(worst, 1e-6) << activation_name(a);
  }
}

TEST(FiniteRNN, EmpiricalNtkIsTheInnerProductOfGradients) {
  const KernelParams p{1.4, 1.0, 0.3, 0.5, 1.0, 3, Activation::kErf};
  const FiniteRNN net(p, 3, 10, 4);
  const SequenceSet x = random_set(2, 3, 3, 6, 22);
  const std::vector<double> ga = net.gradient(x[0]);
  const std::vector<double> gb = net.gradient(x[1]);
  const double direct = std::inner_product(ga.begin(), ga.end(), gb.begin(), 0.0);
  EXPECT_NEAR(net.empirical_ntk(net.trace(x[0]), net.trace(x[1])), direct, 1e-12 * std::abs(direct));
}

// Relative Frobenius error of the empirical kernels, averaged over 12 seeds, to the analytic ones, on
// four sequences of different lengths (L = 2, sigma_h > 0 so that h_0 matters). A single ReLU network
// at the critical sigma_w = sqrt(2) fluctuates by ~6% at n = 2048 (a global scale that compounds
// over the T L steps); the 12-seed mean is at 1-2.5% for every block of seeds tried.
struct Errors {
  double ntk, nngp;
};
Errors convergence_error(const KernelParams& p, std::size_t width) {
  SequenceSet x(2);
  for (const std::size_t T : {4u, 2u, 5u, 3u}) {
    const SequenceSet one = random_set(1, 2, T, T, 100 + T);
    x.append(one.values());
  }
  const GramResult exact = gram(x.view(), Settings{p, {}, {}});
  const EmpiricalKernels emp = mean_empirical_kernels(p, x.view(), x.view(), width, 12, 1, 0);
  return {relative_frobenius_error(emp.ntk, exact.ntk), relative_frobenius_error(emp.nngp, exact.nngp)};
}

struct Variant {
  const char* name;
  KernelParams params;
};

KernelParams variant(Activation a, Readout readout = Readout::kLast, bool bidirectional = false, int frozen = 0) {
  KernelParams p{a == Activation::kRelu ? 1.4142135623730951 : 1.5, 1.0, 0.2, 0.5, 1.0, 2, a};
  if (a == Activation::kTanh) p.sigma_w = 1.2;
  p.readout = readout;
  p.bidirectional = bidirectional;
  p.frozen_layers = frozen;
  return p;
}

class Convergence : public ::testing::TestWithParam<Variant> {};

TEST_P(Convergence, EmpiricalKernelsApproachTheAnalyticOnesWithWidth) {
  const KernelParams p = GetParam().params;
  const Errors narrow = convergence_error(p, 256);
  const Errors wide = convergence_error(p, 2048);
  std::printf("%s: relative error n=256 NTK %.4f NNGP %.4f, n=2048 NTK %.4f NNGP %.4f\n", GetParam().name,
              narrow.ntk, narrow.nngp, wide.ntk, wide.nngp);
  EXPECT_LT(wide.ntk, 0.05);
  EXPECT_LT(wide.nngp, 0.05);
  EXPECT_LT(wide.ntk, narrow.ntk);
  EXPECT_LT(wide.nngp, narrow.nngp);
}

INSTANTIATE_TEST_SUITE_P(
    Variants, Convergence,
    ::testing::Values(Variant{"relu", variant(Activation::kRelu)}, Variant{"erf", variant(Activation::kErf)},
                      Variant{"relu_mean", variant(Activation::kRelu, Readout::kMean)},
                      Variant{"erf_mean", variant(Activation::kErf, Readout::kMean)},
                      Variant{"relu_steps", variant(Activation::kRelu, Readout::kSteps)},
                      Variant{"relu_bidirectional", variant(Activation::kRelu, Readout::kLast, true)},
                      Variant{"erf_bidirectional_mean", variant(Activation::kErf, Readout::kMean, true)},
                      Variant{"relu_frozen", variant(Activation::kRelu, Readout::kLast, false, 1)},
                      Variant{"erf_frozen", variant(Activation::kErf, Readout::kLast, false, 1)},
                      Variant{"tanh_quadrature", variant(Activation::kTanh)}),
    [](const auto& info) { return std::string(info.param.name); });

// Gradient descent on a finite network against the NTK's prediction for the linearised network,
// f_k = y + (I - eta Theta)^k (f_0 - y) from the network's own f_0: the wider network stays closer.
TEST(FiniteRNN, TrainingFollowsTheNtkPredictionMoreCloselyWhenWider) {
  const KernelParams p{1.4142135623730951, 1.0, 0.2, 0.0, 1.0, 1, Activation::kRelu};
  SequenceSet x(2);
  for (const std::size_t T : {3u, 2u, 4u, 3u}) x.append(random_set(1, 2, T, T, 200 + T).values());
  const Eigen::VectorXd y = (Eigen::VectorXd(4) << 1.0, -1.0, 0.5, -0.5).finished();
  const Matrix theta = gram(x.view(), Settings{p, {}, {}}).ntk;
  const Eigen::Map<const Eigen::Matrix<double, 4, 4, Eigen::RowMajor>> t(theta.data());
  const double eta = 1.0 / Eigen::SelfAdjointEigenSolver<Eigen::Matrix4d>(t).eigenvalues().maxCoeff();
  const int steps = 10;
  auto deviation = [&](std::size_t width) {
    double mean = 0.0;
    for (std::uint64_t seed : {1u, 2u}) {
      FiniteRNN net(p, 2, width, seed);
      const std::vector<Eigen::VectorXd> actual = net.train(x.view(), y, eta, steps);
      const std::vector<Eigen::VectorXd> predicted = linearised_descent(theta, actual[0], y, eta, steps);
      double worst = 0.0;
      for (int k = 0; k <= steps; ++k) worst = std::max(worst, (actual[k] - predicted[k]).norm() / (y - actual[0]).norm());
      mean += worst / 2;
      EXPECT_LT((actual[steps] - y).norm(), 0.8 * (actual[0] - y).norm()) << "training reduces the loss";
    }
    return mean;
  };
  const double narrow = deviation(1024), wide = deviation(4096);
  std::printf("largest deviation from the NTK prediction over %d steps: width 1024 %.4f, width 4096 %.4f\n",
              steps, narrow, wide);
  EXPECT_LT(wide, narrow);
  EXPECT_LT(wide, 0.1);
}

TEST(FiniteRNN, MeanReadoutAndFrozenLayerGradientsMatchFiniteDifferences) {
  KernelParams p{1.3, 0.9, 0.4, 0.6, 1.2, 2, Activation::kTanh};
  p.readout = Readout::kMean;
  p.frozen_layers = 1;
  FiniteRNN net(p, 2, 5, 7);
  const SequenceSet x = random_set(1, 2, 4, 4, 23);
  const std::vector<double> grad = net.gradient(x[0]);
  double worst = 0.0;
  for (std::size_t k = 0; k < grad.size(); ++k) {
    const double saved = net.parameters()[k];
    net.parameters()[k] = saved + 1e-6;
    const double up = net.output(x[0]);
    net.parameters()[k] = saved - 1e-6;
    const double down = net.output(x[0]);
    net.parameters()[k] = saved;
    // Frozen parameters have zero gradient (they are not trained) though the output depends on them.
    const bool frozen_parameter = k < 5 * 5 + 5 * 2 + 5;
    worst = std::max(worst, std::abs((frozen_parameter ? 0.0 : (up - down) / 2e-6) - grad[k]));
  }
  EXPECT_LT(worst, 1e-6);
}

}  // namespace
}  // namespace rntk
