#include "rntk/preprocess.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "rntk/error.hpp"

namespace rntk {

SequenceSet z_normalise(SequenceSetView x) {
  SequenceSet out = copy(x);
  std::vector<double> values = out.values();
  const std::size_t m = x.dim();
  for (std::size_t i = 0; i < x.size(); ++i) {
    const std::size_t T = x.length(i);
    double* seq = values.data() + static_cast<std::size_t>(out.offsets()[i]) * m;
    for (std::size_t c = 0; c < m; ++c) {
      double mean = 0.0;
      double largest = 0.0;
      for (std::size_t t = 0; t < T; ++t) {
        mean += seq[t * m + c];
        largest = std::max(largest, std::abs(seq[t * m + c]));
      }
      mean /= static_cast<double>(T);
      double var = 0.0;
      for (std::size_t t = 0; t < T; ++t) var += (seq[t * m + c] - mean) * (seq[t * m + c] - mean);
      const double sd = std::sqrt(var / static_cast<double>(T));
      // A constant channel carries no shape: zeros. "Constant" includes rounding noise around a
      // constant, which scaling would blow up to values of order 1.
      const double scale = sd > 1e-12 * largest ? 1.0 / sd : 0.0;
      for (std::size_t t = 0; t < T; ++t) seq[t * m + c] = (seq[t * m + c] - mean) * scale;
    }
  }
  return SequenceSet(std::move(values), out.offsets(), m);
}

SequenceSet prepare(SequenceSetView x, const ModelParams& params) {
  return params.z_normalise ? z_normalise(x) : copy(x);
}

SequenceSet flatten(SequenceSetView x, std::size_t length, bool pad) {
  const std::size_t m = x.dim();
  SequenceSet out(length * m);
  std::vector<double> row(length * m);
  for (std::size_t i = 0; i < x.size(); ++i) {
    const std::size_t T = x.length(i);
    if (T != length && !pad) {
      throw input_error("sequence " + std::to_string(i) + " has length " + std::to_string(T) +
                        " but this kernel compares fixed-length vectors of length " +
                        std::to_string(length) +
                        "; pad (and cut) to one length with pad = true (--pad true), or use a "
                        "recurrent kernel");
    }
    std::fill(row.begin(), row.end(), 0.0);
    const std::size_t kept = std::min(T, length);
    std::copy(x[i].data(), x[i].data() + kept * m, row.begin());
    out.append(row);
  }
  return out;
}

}  // namespace rntk
