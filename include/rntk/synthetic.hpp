// Built-in data: noisy sinusoids whose class is the frequency, with lengths drawn uniformly from a
// range, so that a set mixes sequences of different lengths. Used by `rntk demo`, the tests and the
// paper-reproduction figures.
#pragma once

#include <cstddef>
#include <cstdint>

#include "rntk/io.hpp"

namespace rntk {

struct SyntheticOptions {
  std::size_t per_class = 20;   // sequences per class
  int classes = 3;              // class c has frequency (c + 1) cycles per 32 steps
  std::size_t min_length = 20;
  std::size_t max_length = 80;
  std::size_t dim = 1;          // channels; channel d is phase-shifted by d * pi / 4
  double noise = 0.3;           // standard deviation of the added Gaussian noise
  std::uint64_t seed = 1;
};

// Labels are "0" .. "classes - 1", classes interleaved (0, 1, 2, 0, 1, 2, ...).
Dataset synthetic_sinusoids(const SyntheticOptions& options);

}  // namespace rntk
