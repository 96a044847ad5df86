// Preprocessing of sequence sets before a kernel sees them.
#pragma once

#include <cstddef>
#include <string>

#include "rntk/params.hpp"
#include "rntk/sequences.hpp"

namespace rntk {

// Each channel of each sequence shifted to mean 0 and scaled to standard deviation 1 over its
// steps (population standard deviation, as the UCR archive does); a constant channel becomes 0.
SequenceSet z_normalise(SequenceSetView x);

// Each sequence replaced by the means of its segments of `size` steps, counted back from the last
// step: a sequence of T steps becomes ceil(T / size), the first covering the T mod size oldest
// steps when size does not divide T. Aligned at the last step like the recurrent kernels, and
// sequences of different lengths keep their length ratio.
SequenceSet segment_means(SequenceSetView x, std::size_t size);

// Each sequence longer than `length` steps reduced to `length` by piecewise aggregate
// approximation: step k is the mean of the original steps in [k T / length, (k + 1) T / length),
// a step cut by a boundary counted with the fraction that lies inside. Shorter ones are copied.
SequenceSet reduce_length(SequenceSetView x, std::size_t length);

// What a model does to sequences before its kernel: z-normalisation when params.z_normalise, then
// segment means when params.segment > 1, then reduce_length when params.target_length > 0.
SequenceSet prepare(SequenceSetView x, const ModelParams& params);

// The length prepare() gives a sequence of `length` steps.
std::size_t prepared_length(std::size_t length, const ModelParams& params);

// Equal keys: prepare() gives equal sequences.
std::string prepare_key(const ModelParams& params);

// Each sequence as one step of length * dim values (step-major), the fixed-length vectors of the
// baseline kernels. A sequence of another length is an error naming it, unless `pad`: shorter
// sequences are then padded with zeros at the end and longer ones cut to `length` steps.
SequenceSet flatten(SequenceSetView x, std::size_t length, bool pad);

}  // namespace rntk
