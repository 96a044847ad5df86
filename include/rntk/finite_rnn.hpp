// A finite-width Elman RNN: the network of spec section 1 at hidden width n, in the NTK
// parameterisation (every trainable entry ~ N(0, 1), the scales outside), with the readouts and
// frozen layers of spec section 4. Its empirical NTK (the inner product of the gradients of the
// trained parameters, by backpropagation through time) and empirical NNGP (the readout's covariance
// with its vector integrated out, e.g. sigma_v^2 / n <h^L_T(x), h^L_T(x')>) converge to the
// analytic kernels as n grows, with a relative error of order 1/sqrt(n). This is how the analytic
// kernels are checked, and how the convergence figures are made. Bidirectional networks are two of
// these (mean_empirical_kernels sums them).
#pragma once

#include <Eigen/Dense>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "rntk/matrix.hpp"
#include "rntk/params.hpp"
#include "rntk/sequences.hpp"

namespace rntk {

class FiniteRNN {
 public:
  // Parameters drawn from N(0, 1) with the given seed. The initial states h^l_0 ~ N(0, sigma_h^2)
  // are drawn per sequence from the seed and the sequence's values, so equal sequences share them.
  FiniteRNN(const KernelParams& params, std::size_t input_dim, std::size_t width,
            std::uint64_t seed);

  // Everything a forward and backward pass of one sequence produces; column t of each matrix is
  // one time step (t = 0 is the first step; `hidden` has the initial state in column 0).
  struct Trace {
    std::vector<Eigen::MatrixXd> input;   // per layer: m x T for layer 1, n x T above
    std::vector<Eigen::MatrixXd> hidden;  // per layer: n x (T + 1), h_0 .. h_T
    std::vector<Eigen::MatrixXd> delta;   // per layer: n x T, df / dg^l_t
    double output = 0.0;                  // f(x)
  };

  std::size_t width() const { return width_; }
  std::size_t input_dim() const { return input_dim_; }
  const KernelParams& kernel_params() const { return params_; }

  // All trainable parameters, in the order W_1, U_1, b_1, ..., W_L, U_L, b_L, v (matrices
  // row-major). Writable, so that a caller can train the network.
  std::vector<double>& parameters() { return theta_; }
  const std::vector<double>& parameters() const { return theta_; }

  double output(SequenceView x) const;
  Trace trace(SequenceView x) const;
  // df(x)/dtheta in the layout of parameters(); add_gradient adds scale * df(x)/dtheta to `into`.
  std::vector<double> gradient(SequenceView x) const;
  void add_gradient(SequenceView x, double scale, double* into) const;
  // Full-batch gradient descent on (1/2) sum_i (f(x_i) - y_i)^2 over the trained parameters: `steps`
  // updates theta -= eta * gradient. Returns the outputs on x before each step and after the last
  // (steps + 1 vectors), to compare with the NTK's prediction (dynamics.hpp, linearised_descent).
  std::vector<Eigen::VectorXd> train(SequenceSetView x, const Eigen::VectorXd& y, double eta, int steps);
  // The empirical NTK sum_p df(a)/dp df(b)/dp and NNGP from two traces, without forming gradients.
  double empirical_ntk(const Trace& a, const Trace& b) const;
  double empirical_nngp(const Trace& a, const Trace& b) const;

 private:
  struct LayerOffsets {
    std::size_t w, u, b, fan_in;
  };
  Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>
  weight(std::size_t offset, std::size_t cols) const;
  Eigen::VectorXd initial_state(SequenceView x, std::size_t layer) const;
  Eigen::MatrixXd readout_gradient(Eigen::Index steps) const;
  double phi(double g) const;
  double phi_prime(double g) const;

  KernelParams params_;
  std::size_t input_dim_;
  std::size_t width_;
  std::uint64_t seed_;
  std::vector<LayerOffsets> layers_;
  std::size_t v_offset_;
  std::vector<double> theta_;
};

struct EmpiricalKernels {
  Matrix ntk;
  Matrix nngp;
};

// Empirical kernels of one network on K(X, Y) (pass x twice for K(X, X)).
EmpiricalKernels empirical_kernels(const FiniteRNN& net, SequenceSetView x, SequenceSetView y,
                                   int threads);

// The empirical kernels averaged over `seeds` networks with seeds first_seed, first_seed + 1, ...
EmpiricalKernels mean_empirical_kernels(const KernelParams& params, SequenceSetView x,
                                        SequenceSetView y, std::size_t width, int seeds,
                                        std::uint64_t first_seed, int threads);

// ||a - b||_F / ||b||_F.
double relative_frobenius_error(const Matrix& a, const Matrix& b);

}  // namespace rntk
