#include "rntk/synthetic.hpp"

#include <cmath>
#include <numbers>
#include <random>
#include <string>

#include "rntk/error.hpp"

namespace rntk {

Dataset synthetic_sinusoids(const SyntheticOptions& o) {
  if (o.classes < 1 || o.per_class < 1 || o.dim < 1 || o.min_length < 1 || o.max_length < o.min_length) {
    throw parameter_error("synthetic_sinusoids: need classes, per_class, dim, min_length >= 1 and "
                          "max_length >= min_length");
  }
  std::mt19937_64 rng(o.seed);
  std::uniform_int_distribution<std::size_t> length(o.min_length, o.max_length);
  std::uniform_real_distribution<double> phase(0.0, 2.0 * std::numbers::pi);
  std::normal_distribution<double> noise(0.0, o.noise);
  Dataset d;
  d.sequences = SequenceSet(o.dim);
  d.source = "built-in synthetic sinusoids";
  std::vector<double> values;
  for (std::size_t k = 0; k < o.per_class * static_cast<std::size_t>(o.classes); ++k) {
    const int c = static_cast<int>(k % static_cast<std::size_t>(o.classes));
    const double omega = 2.0 * std::numbers::pi * (c + 1) / 32.0;
    const std::size_t T = length(rng);
    const double start = phase(rng);
    values.assign(T * o.dim, 0.0);
    for (std::size_t t = 0; t < T; ++t) {
      for (std::size_t ch = 0; ch < o.dim; ++ch) {
        values[t * o.dim + ch] =
            std::sin(omega * static_cast<double>(t) + start + static_cast<double>(ch) * std::numbers::pi / 4) +
            noise(rng);
      }
    }
    d.sequences.append(values);
    d.labels.push_back(std::to_string(c));
  }
  return d;
}

}  // namespace rntk
