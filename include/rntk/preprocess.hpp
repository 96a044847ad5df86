// Preprocessing of sequence sets before a kernel sees them.
#pragma once

#include <cstddef>

#include "rntk/params.hpp"
#include "rntk/sequences.hpp"

namespace rntk {

// Each channel of each sequence shifted to mean 0 and scaled to standard deviation 1 over its
// steps (population standard deviation, as the UCR archive does); a constant channel becomes 0.
SequenceSet z_normalise(SequenceSetView x);

// What a model does to sequences before its kernel: z-normalisation when params.z_normalise,
// otherwise a copy.
SequenceSet prepare(SequenceSetView x, const ModelParams& params);

// Each sequence as one step of length * dim values (step-major), the fixed-length vectors of the
// baseline kernels. A sequence of another length is an error naming it, unless `pad`: shorter
// sequences are then padded with zeros at the end and longer ones cut to `length` steps.
SequenceSet flatten(SequenceSetView x, std::size_t length, bool pad);

}  // namespace rntk
