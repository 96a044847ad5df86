// Kernel machines on precomputed Gram matrices.
//
// Both learners train on a subset of the rows of a Gram matrix (all of it, or the training part of
// a cross-validation fold) without copying it into a new matrix first, and predict from the kernel
// between new sequences and the training sequences they kept: the support vectors for the SVM, all
// training sequences for kernel ridge. That is all a saved model needs to hold.
#pragma once

#include <Eigen/Dense>
#include <cstddef>
#include <vector>

#include "rntk/matrix.hpp"

namespace rntk {

// C-SVM classification through libsvm's precomputed-kernel interface, multiclass one-vs-one as
// libsvm does it. Classes are 0 .. n_classes - 1. libsvm sees the Gram matrix divided by its mean
// diagonal (kernel_scale), so C is relative to the kernel's scale, as alpha is for kernel ridge:
// the same C means the same thing for a kernel of values near 1 and one of values near 1e6 (and
// the solver converges on both). With cosine normalisation the scale is 1. Prediction always goes
// through libsvm's svm_predict, on a model whose support vectors are renumbered 1 .. n_support, so
// a model trained here and one loaded from a file predict identically.
class SvmClassifier {
 public:
  struct State {
    int n_classes = 0;                        // classes present in the training data
    std::vector<int> labels;                  // libsvm's class order: class id of each
    std::vector<int> support_per_class;       // libsvm's nSV
    std::vector<std::vector<double>> coef;    // (n_classes - 1) x n_support
    std::vector<double> rho;                  // n_classes (n_classes - 1) / 2
    std::vector<std::size_t> support;         // indices into the training rows given to train()
    double kernel_scale = 1.0;                // mean diagonal of the training Gram matrix
  };

  // Trains on k(rows[a], rows[b]); classes[a] is the class of rows[a].
  static SvmClassifier train(const Matrix& k, const std::vector<std::size_t>& rows,
                             const std::vector<int>& classes, double C);
  explicit SvmClassifier(State state) : state_(std::move(state)) {}

  // Indices (into the `rows` given to train) of the support vectors, in the column order that
  // predict() expects.
  const std::vector<std::size_t>& support() const { return state_.support; }
  const State& state() const { return state_; }

  // Classes of the rows of k_support: K(new sequences, support vectors).
  std::vector<int> predict(const Matrix& k_support) const;

 private:
  State state_;
};

// Kernel ridge regression: solves (K + alpha trace(K)/n I) A = Y by Cholesky, so alpha is
// relative to the kernel's scale. Targets have one column per output (one-hot for classification).
class KernelRidge {
 public:
  static KernelRidge fit(const Matrix& k, const std::vector<std::size_t>& rows,
                         const Eigen::MatrixXd& targets, double alpha);
  explicit KernelRidge(Eigen::MatrixXd coefficients) : coef_(std::move(coefficients)) {}

  const Eigen::MatrixXd& coefficients() const { return coef_; }
  // Outputs for the rows of k_train: K(new sequences, the training rows, in order).
  Eigen::MatrixXd predict(const Matrix& k_train) const;

 private:
  Eigen::MatrixXd coef_;
};

// One-hot targets (n x n_classes) and argmax of outputs.
Eigen::MatrixXd one_hot(const std::vector<int>& classes, int n_classes);
std::vector<int> argmax_rows(const Eigen::MatrixXd& outputs);

// The block k(rows, cols).
Matrix submatrix(const Matrix& k, const std::vector<std::size_t>& rows,
                 const std::vector<std::size_t>& cols);

}  // namespace rntk
