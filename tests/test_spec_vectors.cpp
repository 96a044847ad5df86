// The engine against the spec's test vectors (last-state NTK and NNGP, three configurations).
#include <gtest/gtest.h>

#include "rntk/gram.hpp"
#include "spec_vectors.hpp"

namespace rntk {
namespace {

using testing::spec_cases;
using testing::spec_inputs;

void expect_relative(const Matrix& got, const testing::Matrix3& want, double tolerance) {
  for (std::size_t i = 0; i < 3; ++i) {
    for (std::size_t j = 0; j < 3; ++j) {
      EXPECT_NEAR(got(i, j), want[i][j], tolerance * std::abs(want[i][j])) << "entry " << i << "," << j;
    }
  }
}

TEST(SpecVectors, LastStateNtkAndNngp) {
  const SequenceSet x = spec_inputs();
  for (const auto& c : spec_cases()) {
    SCOPED_TRACE(std::string(activation_name(c.activation)) + " L=" + std::to_string(c.layers));
    const GramResult k = gram(x.view(), Settings{c.params(), {}, {}});
    expect_relative(k.ntk, c.ntk_last, 1e-10);
    expect_relative(k.nngp, c.nngp_last, 1e-10);
  }
}

TEST(SpecVectors, MeanPoolNtkAndNngp) {
  const SequenceSet x = spec_inputs();
  for (const auto& c : spec_cases()) {
    SCOPED_TRACE(std::string(activation_name(c.activation)) + " L=" + std::to_string(c.layers));
    KernelParams p = c.params();
    p.readout = Readout::kMean;
    const GramResult k = gram(x.view(), Settings{p, {}, {}});
    expect_relative(k.ntk, c.ntk_mean, 1e-10);
    expect_relative(k.nngp, c.nngp_mean, 1e-10);
  }
}

}  // namespace
}  // namespace rntk
