#include "rntk/sequences.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <string>

#include "rntk/error.hpp"

namespace rntk {

// FNV-1a over the length and the bit patterns of the values; x + 0.0 maps -0.0 to +0.0 so that
// values that compare equal hash equal.
std::uint64_t fingerprint(SequenceView x) {
  std::uint64_t h = 1469598103934665603ULL;
  auto mix = [&h](std::uint64_t word) {
    for (int byte = 0; byte < 8; ++byte) {
      h ^= (word >> (8 * byte)) & 0xffU;
      h *= 1099511628211ULL;
    }
  };
  mix(x.length());
  const std::size_t n = x.length() * x.dim();
  for (std::size_t k = 0; k < n; ++k) mix(std::bit_cast<std::uint64_t>(x.data()[k] + 0.0));
  return h;
}

std::size_t SequenceSetView::step_span() const {
  if (!ends_) return count_ ? static_cast<std::size_t>(offsets_[count_]) : 0;
  std::size_t span = 0;
  for (std::size_t i = 0; i < count_; ++i) span = std::max(span, static_cast<std::size_t>(ends_[i]));
  return span;
}

std::size_t SequenceSetView::total_steps() const {
  std::size_t total = 0;
  for (std::size_t i = 0; i < count_; ++i) total += length(i);
  return total;
}

std::size_t SequenceSetView::max_length() const {
  std::size_t longest = 0;
  for (std::size_t i = 0; i < count_; ++i) longest = std::max(longest, length(i));
  return longest;
}

void SequenceSetView::validate(const char* what) const {
  const std::string name(what);
  if (dim_ == 0) throw input_error(name + ": dimension must be at least 1");
  if (count_ > 0 && !ends_ && offsets_[0] != 0) {
    throw input_error(name + ": offsets[0] must be 0, got " + std::to_string(offsets_[0]));
  }
  for (std::size_t i = 0; i < count_; ++i) {
    const std::int64_t end = ends_ ? ends_[i] : offsets_[i + 1];
    if (offsets_[i] < 0 || end <= offsets_[i]) {
      throw input_error(name + ": sequence " + std::to_string(i) +
                        " is empty (every sequence needs at least one time step)");
    }
  }
  for (std::size_t i = 0; i < count_; ++i) {
    const SequenceView s = (*this)[i];
    for (std::size_t k = 0; k < s.length() * dim_; ++k) {
      const double v = s.data()[k];
      if (!std::isfinite(v)) {
        throw input_error(name + ": sequence " + std::to_string(i) + ", time step " +
                          std::to_string(k / dim_) + ", channel " + std::to_string(k % dim_) + " is " +
                          (std::isnan(v) ? "NaN" : v > 0 ? "inf" : "-inf") +
                          "; values must be finite (missing values inside a series are not "
                          "supported: interpolate them, or cut the series)");
      }
    }
  }
}

SequenceSet subset(SequenceSetView x, const std::vector<std::size_t>& indices) {
  SequenceSet out(x.dim());
  for (std::size_t i : indices) {
    const SequenceView s = x[i];
    out.append(std::span<const double>(s.data(), s.length() * s.dim()));
  }
  return out;
}

SequenceSet copy(SequenceSetView x) {
  std::vector<std::size_t> all(x.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  return subset(x, all);
}

SequenceSet reversed(SequenceSetView x) {
  SequenceSet out(x.dim());
  std::vector<double> steps;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const SequenceView s = x[i];
    steps.clear();
    for (std::size_t t = s.length(); t-- > 0;) steps.insert(steps.end(), s.step(t), s.step(t) + s.dim());
    out.append(steps);
  }
  return out;
}

void SequenceSet::append(std::span<const double> values) {
  if (values.size() % dim_ != 0) {
    throw input_error("a sequence of " + std::to_string(values.size()) +
                      " values does not divide into steps of dimension " + std::to_string(dim_));
  }
  values_.insert(values_.end(), values.begin(), values.end());
  offsets_.push_back(offsets_.back() + static_cast<std::int64_t>(values.size() / dim_));
}

}  // namespace rntk
