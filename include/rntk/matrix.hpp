// A dense row-major matrix of doubles: the Gram matrices rntk returns. Element (i, j) is
// data()[i * cols() + j], the layout NumPy, .npy files and Eigen's RowMajor maps read without a copy.
#pragma once

#include <cstddef>
#include <vector>

namespace rntk {

class Matrix {
 public:
  Matrix() = default;
  Matrix(std::size_t rows, std::size_t cols) : rows_(rows), cols_(cols), data_(rows * cols, 0.0) {}

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
  std::vector<double> data_;
};

}  // namespace rntk
