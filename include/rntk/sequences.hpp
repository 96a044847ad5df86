// The one data convention of rntk: a set of ragged multivariate sequences stored as
//
//   values   all time steps of all sequences, one after another, row-major: step s of the whole set
//            occupies values[s * dim .. s * dim + dim - 1]
//   offsets  count + 1 step indices; sequence i is steps offsets[i] .. offsets[i+1] - 1, so its length
//            is offsets[i+1] - offsets[i] (>= 1) and offsets[0] == 0
//   dim      the number of channels m of every step (>= 1)
//
// SequenceSet owns the two arrays; SequenceSetView is a non-owning view of the same layout (from a
// SequenceSet, a NumPy array or any caller's buffers) and is what the engine reads. A view never
// copies. Values must be finite: missing data are not representable, padding is expressed by offsets.
//
// A view may also take `ends` (count entries): sequence i is then steps offsets[i] .. ends[i] - 1,
// and the steps between one sequence's end and the next one's start are ignored. This views a
// padded array without a copy: an (n, T) array whose row i holds a series of length T_i followed by
// padding is offsets[i] = i T, ends[i] = i T + T_i.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace rntk {

// One sequence: length() steps of dim() values each, row-major.
class SequenceView {
 public:
  SequenceView(const double* values, std::size_t length, std::size_t dim)
      : values_(values), length_(length), dim_(dim) {}
  std::size_t length() const { return length_; }
  std::size_t dim() const { return dim_; }
  const double* data() const { return values_; }
  // The dim() values of time step t (0-based).
  const double* step(std::size_t t) const { return values_ + t * dim_; }

 private:
  const double* values_;
  std::size_t length_;
  std::size_t dim_;
};

class SequenceSetView {
 public:
  SequenceSetView(const double* values, const std::int64_t* offsets, std::size_t count,
                  std::size_t dim, const std::int64_t* ends = nullptr)
      : values_(values), offsets_(offsets), ends_(ends), count_(count), dim_(dim) {}

  std::size_t size() const { return count_; }
  std::size_t dim() const { return dim_; }
  std::size_t length(std::size_t i) const {
    return static_cast<std::size_t>((ends_ ? ends_[i] : offsets_[i + 1]) - offsets_[i]);
  }
  // Index (in values, counted in steps) of sequence i's first and last step.
  std::size_t first_step(std::size_t i) const { return static_cast<std::size_t>(offsets_[i]); }
  std::size_t last_step(std::size_t i) const { return first_step(i) + length(i) - 1; }
  // One past the largest step index any sequence uses: the size of a per-step table.
  std::size_t step_span() const;
  // The number of steps of all sequences together.
  std::size_t total_steps() const;
  std::size_t max_length() const;
  SequenceView operator[](std::size_t i) const {
    return {values_ + static_cast<std::size_t>(offsets_[i]) * dim_, length(i), dim_};
  }
  const double* values() const { return values_; }
  const std::int64_t* offsets() const { return offsets_; }
  const std::int64_t* ends() const { return ends_; }

  // Throws rntk::Error (kInput) naming the first violation of the convention above: dim 0, bad
  // offsets, an empty sequence, a non-finite value. `what` names the data in the message.
  void validate(const char* what = "sequence set") const;

 private:
  const double* values_;
  const std::int64_t* offsets_;
  const std::int64_t* ends_;
  std::size_t count_;
  std::size_t dim_;
};

class SequenceSet {
 public:
  explicit SequenceSet(std::size_t dim = 1) : offsets_{0}, dim_(dim) {}
  SequenceSet(std::vector<double> values, std::vector<std::int64_t> offsets, std::size_t dim)
      : values_(std::move(values)), offsets_(std::move(offsets)), dim_(dim) {}

  // Appends one sequence of values.size() / dim() steps.
  void append(std::span<const double> values);

  std::size_t size() const { return offsets_.size() - 1; }
  std::size_t dim() const { return dim_; }
  SequenceSetView view() const { return {values_.data(), offsets_.data(), size(), dim_}; }
  SequenceView operator[](std::size_t i) const { return view()[i]; }
  const std::vector<double>& values() const { return values_; }
  const std::vector<std::int64_t>& offsets() const { return offsets_; }

 private:
  std::vector<double> values_;
  std::vector<std::int64_t> offsets_;
  std::size_t dim_;
};

// The sequences of x at `indices`, in that order, copied.
SequenceSet subset(SequenceSetView x, const std::vector<std::size_t>& indices);
// All sequences of x, copied into one contiguous set.
SequenceSet copy(SequenceSetView x);
// Every sequence of x read backwards (its last step first).
SequenceSet reversed(SequenceSetView x);

// A 64-bit hash of a sequence's length and values (equal sequences hash equal, -0.0 as 0.0).
std::uint64_t fingerprint(SequenceView x);

}  // namespace rntk
