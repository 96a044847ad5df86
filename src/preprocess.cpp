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

SequenceSet segment_means(SequenceSetView x, std::size_t size) {
  if (size == 0) throw parameter_error("segment size must be at least 1");
  const std::size_t m = x.dim();
  SequenceSet out(m);
  std::vector<double> seq;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const std::size_t T = x.length(i);
    const double* in = x[i].data();
    const std::size_t steps = (T + size - 1) / size;
    seq.assign(steps * m, 0.0);
    for (std::size_t k = 0; k < steps; ++k) {
      // Segment k ends (exclusive) at T - (steps - 1 - k) size; the first starts at max(0, ...).
      const std::size_t end = T - (steps - 1 - k) * size;
      const std::size_t begin = end >= size ? end - size : 0;
      for (std::size_t t = begin; t < end; ++t) {
        for (std::size_t c = 0; c < m; ++c) seq[k * m + c] += in[t * m + c];
      }
      for (std::size_t c = 0; c < m; ++c) seq[k * m + c] /= static_cast<double>(end - begin);
    }
    out.append(seq);
  }
  return out;
}

SequenceSet reduce_length(SequenceSetView x, std::size_t length) {
  if (length == 0) throw parameter_error("target length must be at least 1");
  const std::size_t m = x.dim();
  SequenceSet out(m);
  std::vector<double> seq;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const std::size_t T = x.length(i);
    const double* in = x[i].data();
    if (T <= length) {
      out.append(std::vector<double>(in, in + T * m));
      continue;
    }
    // In units of 1 / length of an original step, step k covers [k T, (k + 1) T) and original
    // step t covers [t length, (t + 1) length): integer arithmetic, no rounding at the boundaries.
    seq.assign(length * m, 0.0);
    for (std::size_t k = 0; k < length; ++k) {
      const std::size_t lo = k * T, hi = (k + 1) * T;
      for (std::size_t t = lo / length; t * length < hi; ++t) {
        const std::size_t overlap = std::min(hi, (t + 1) * length) - std::max(lo, t * length);
        const double w = static_cast<double>(overlap) / static_cast<double>(T);
        for (std::size_t c = 0; c < m; ++c) seq[k * m + c] += w * in[t * m + c];
      }
    }
    out.append(seq);
  }
  return out;
}

SequenceSet prepare(SequenceSetView x, const ModelParams& params) {
  SequenceSet out = params.z_normalise ? z_normalise(x) : copy(x);
  if (params.segment > 1) out = segment_means(out.view(), static_cast<std::size_t>(params.segment));
  if (params.target_length > 0) out = reduce_length(out.view(), static_cast<std::size_t>(params.target_length));
  return out;
}

std::size_t prepared_length(std::size_t length, const ModelParams& params) {
  const std::size_t segment = static_cast<std::size_t>(params.segment);
  const std::size_t reduced = (length + segment - 1) / segment;
  const std::size_t target = static_cast<std::size_t>(params.target_length);
  return target > 0 ? std::min(reduced, target) : reduced;
}

std::string prepare_key(const ModelParams& params) {
  return "z_normalise=" + std::to_string(params.z_normalise) + " segment=" + std::to_string(params.segment) +
         " target_length=" + std::to_string(params.target_length);
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
