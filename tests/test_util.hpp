// Helpers shared by the tests: random ragged data, matrix comparisons, running the CLI.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <random>
#include <string>

#include "rntk/matrix.hpp"
#include "rntk/sequences.hpp"

// Defined in sanitizer builds (CMake RNTK_SANITIZE): gcc says so with __SANITIZE_*__, clang through
// __has_feature.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define RNTK_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define RNTK_TEST_SANITIZED 1
#endif
#endif

namespace rntk::testing {

// `count` sequences of `dim` channels, lengths uniform in [min_length, max_length], values N(0, 1).
inline SequenceSet random_set(std::size_t count, std::size_t dim, std::size_t min_length,
                              std::size_t max_length, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::size_t> length(min_length, max_length);
  std::normal_distribution<double> normal;
  SequenceSet set(dim);
  for (std::size_t i = 0; i < count; ++i) {
    std::vector<double> v(length(rng) * dim);
    for (double& x : v) x = normal(rng);
    set.append(v);
  }
  return set;
}

inline double smallest_eigenvalue(const Matrix& k) {
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const Eigen::Map<const RowMajor> m(k.data(), static_cast<Eigen::Index>(k.rows()),
                                     static_cast<Eigen::Index>(k.cols()));
  return Eigen::SelfAdjointEigenSolver<RowMajor>(m, Eigen::EigenvaluesOnly).eigenvalues()(0);
}

inline double trace(const Matrix& k) {
  double t = 0.0;
  for (std::size_t i = 0; i < k.rows(); ++i) t += k(i, i);
  return t;
}

}  // namespace rntk::testing
