// Nystrom kernel machines: learning from N training sequences without the N x N Gram matrix.
//
// M landmark sequences Z are drawn from the training set (ModelParams::landmarks: uniformly, or by
// k-means++ in the kernel's feature space). Each sequence x gets the features
//
//     phi(x) = K(x, Z) U_r Lambda_r^(-1/2),   K(Z, Z) = U Lambda U^T,
//
// keeping the r eigenvalues above 1e-10 times the largest (duplicate or nearly dependent landmarks
// drop out), so that phi(x) . phi(y) is the Nystrom approximation K(x, Z) K(Z, Z)^+ K(Z, y) of the
// kernel, exact when Z is the whole training set. Kernel ridge regression on the features solves
// (Phi^T Phi + alpha trace(Phi Phi^T) / n I) W = Phi^T Y, alpha relative to the kernel's scale as in
// KernelRidge; the fitted model is a kernel ridge model whose support sequences are the landmarks
// and whose coefficients are U_r Lambda_r^(-1/2) W, so it is saved, loaded and used to predict like
// any other model (Model::predict computes K(x, Z) only).
//
// Time and memory grow as N x M: under MPI the rows of K(X, Z) are computed in blocks that the
// ranks take from a shared counter (the tiles of each block go to the rank's threads), and every
// rank ends with the same features, bitwise, whatever the rank count; the M x M algebra and the
// cross-validation are repeated on each rank instead of communicated.
//
// Model selection: the grid's points are grouped by pass as in cross_validate; landmarks are drawn
// once per pass (uniform: the same sequences for every pass), the features once per kernel, and
// every alpha and fold reuses them: the fold's training Gram matrix Phi^T Phi is the whole one minus
// the fold's part. Scores are those of cross_validate (pooled accuracy or minus the mean squared
// error, mean over repeats) with the same folds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "rntk/cluster.hpp"
#include "rntk/matrix.hpp"
#include "rntk/model.hpp"
#include "rntk/params.hpp"
#include "rntk/sequences.hpp"

namespace rntk {

// The alpha axis a model selection with nystrom > 0 searches when the grid gives none (the default
// grids search the SVM's C).
inline constexpr const char* kNystromAlphaAxis = "alpha = 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1";

// K(X, Z) for each of `kernels` (one pass), the rows in blocks spread over the cluster's ranks;
// `length` as for kernel_matrices. Bitwise equal to kernel_matrices(kernels, x, &z, length), on
// every rank.
std::vector<Matrix> distributed_cross_kernels(const std::vector<Settings>& kernels, SequenceSetView x,
                                              SequenceSetView z, std::size_t length, Cluster& cluster);

// The landmarks: indices into x (prepared sequences), M = min(s.model.nystrom, x.size()) of them,
// distinct. With k-means++ also the cross kernels K(X, Z) of `kernels` (which must contain s's
// pass), computed on the way; uniform leaves `cross` empty.
struct Landmarks {
  std::vector<std::size_t> indices;
  std::vector<Matrix> cross;
};
Landmarks choose_landmarks(const Settings& s, const std::vector<Settings>& kernels, SequenceSetView x,
                           std::size_t length, Cluster& cluster);

// Model selection over `points` (all with the same nystrom > 0) and the fit of the best, as
// select_and_fit does for exact kernel machines.
Selection nystrom_select_and_fit(const Dataset& train, const std::vector<Settings>& points, Cluster& cluster,
                                 const Progress& progress = {});

}  // namespace rntk
