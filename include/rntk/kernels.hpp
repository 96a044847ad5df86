// Gram matrices of every kernel a model can use (ModelParams::kernel):
//
//   ntk, nngp         the recurrent kernels, from GramEngine (the two come from one walk);
//   mlp-ntk, mlp-nngp the kernels of a fully connected network on the flattened series: the same
//                     engine on length-1 sequences, where the recurrence vanishes and the layers are
//                     those of an MLP with weight scale sigma_w and bias scale sigma_b;
//   rbf, poly, linear on the flattened series, from one matrix of inner products.
//
// The baselines compare fixed-length vectors: series are flattened to `length` steps (shorter ones
// zero-padded when ModelParams::pad, otherwise refused). Cosine normalisation, when set, divides
// K(x, y) by sqrt(K(x, x) K(y, y)) (0 when either is 0).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "rntk/matrix.hpp"
#include "rntk/params.hpp"
#include "rntk/sequences.hpp"

namespace rntk {

bool is_recurrent(KernelType k);
bool is_mlp(KernelType k);

// Settings with the same pass key are computed together: one walk gives a network's NTK and NNGP;
// one matrix of inner products gives every rbf, poly and linear kernel.
std::string pass_key(const Settings& s);

// Everything that determines the Gram matrix of s (its pass key, kernel type, parameters, cosine):
// settings with equal kernel keys differ only in their learner.
std::string kernel_key(const Settings& s);

// The names of the parameters that change a kernel of type k (gamma for rbf, none of the sigmas).
std::vector<std::string> kernel_parameter_names(KernelType k);

// K(X, X) (y null) or K(X, Y) for each of `settings`, which must share one pass key. `length`:
// the fixed length of flattened series (baselines only).
std::vector<Matrix> kernel_matrices(const std::vector<Settings>& settings, SequenceSetView x,
                                    const SequenceSetView* y, std::size_t length);

// K(x, x) of each sequence, before normalisation.
std::vector<double> kernel_diagonal(const Settings& s, SequenceSetView x, std::size_t length);

}  // namespace rntk
