// A dense row-major matrix of doubles: the Gram matrices rntk returns. Element (i, j) is
// data()[i * cols() + j], the layout NumPy, .npy files and Eigen's RowMajor maps read without a copy.
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace rntk {

// std::allocator whose default construction leaves an element unwritten, so that a Matrix (or the
// engine's table of self cells) can be made without the serial pass that zero-fills it
// (Matrix::uninitialized): its memory is then first touched, page faults and all, by the threads
// that fill it. A trivially copyable element is not constructed at all, which also skips its
// default member initializers; such a type's objects exist in allocated storage without one.
template <class T>
struct UninitializedAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = UninitializedAllocator<U>;
  };
  UninitializedAllocator() = default;
  template <class U>
  UninitializedAllocator(const UninitializedAllocator<U>&) noexcept {}
  template <class U>
  void construct(U* p) noexcept {
    constexpr bool plain_data = std::is_trivially_copyable_v<U> && std::is_trivially_destructible_v<U>;
    if constexpr (!plain_data) ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

class Matrix {
 public:
  Matrix() = default;
  Matrix(std::size_t rows, std::size_t cols) : rows_(rows), cols_(cols), data_(rows * cols, 0.0) {}
  // Entries unset: for a caller that writes every one (the Gram engine: its tiles cover the matrix).
  static Matrix uninitialized(std::size_t rows, std::size_t cols) {
    Matrix m;
    m.rows_ = rows;
    m.cols_ = cols;
    m.data_.resize(rows * cols);
    return m;
  }

  std::size_t rows() const { return rows_; }
  std::size_t cols() const { return cols_; }
  bool empty() const { return data_.empty(); }
  double& operator()(std::size_t i, std::size_t j) { return data_[i * cols_ + j]; }
  double operator()(std::size_t i, std::size_t j) const { return data_[i * cols_ + j]; }
  double* data() { return data_.data(); }
  const double* data() const { return data_.data(); }
  bool operator==(const Matrix&) const = default;

 private:
  std::size_t rows_ = 0;
  std::size_t cols_ = 0;
  std::vector<double, UninitializedAllocator<double>> data_;
};

}  // namespace rntk
