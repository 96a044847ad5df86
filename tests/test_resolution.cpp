// Time resolution, multi-scale and summed kernels, repeated cross-validation: each against values
// worked out by hand or recomputed from the plain kernels.
#include <gtest/gtest.h>

#include <cmath>

#include "rntk/gram.hpp"
#include "rntk/kernels.hpp"
#include "rntk/model.hpp"
#include "rntk/preprocess.hpp"
#include "rntk/selection.hpp"
#include "rntk/synthetic.hpp"
#include "test_util.hpp"

namespace rntk {
namespace {

using testing::random_set;

SequenceSet one_series(const std::vector<double>& v, std::size_t dim = 1) {
  SequenceSet x(dim);
  x.append(v);
  return x;
}

TEST(Resolution, SegmentMeansCountBackFromTheLastStep) {
  const SequenceSet x = one_series({1, 2, 3, 4, 5});
  EXPECT_EQ(segment_means(x.view(), 2).values(), (std::vector<double>{1, 2.5, 4.5}));
  EXPECT_EQ(segment_means(x.view(), 5).values(), (std::vector<double>{3}));
  EXPECT_EQ(segment_means(x.view(), 9).values(), (std::vector<double>{3}));
  EXPECT_EQ(segment_means(x.view(), 1).values(), x.values());
  // Two channels are averaged separately.
  const SequenceSet y = one_series({1, 10, 2, 20, 3, 30, 4, 40}, 2);
  EXPECT_EQ(segment_means(y.view(), 2).values(), (std::vector<double>{1.5, 15, 3.5, 35}));
}

TEST(Resolution, ReduceLengthIsPiecewiseAggregateApproximation) {
  const SequenceSet x = one_series({1, 2, 3, 4, 5});
  // Two steps of 2.5 original steps each: (1 + 2 + 3/2) / 2.5 and (3/2 + 4 + 5) / 2.5.
  const std::vector<double> r = reduce_length(x.view(), 2).values();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_NEAR(r[0], 1.8, 1e-15);
  EXPECT_NEAR(r[1], 4.2, 1e-15);
  EXPECT_EQ(reduce_length(x.view(), 5).values(), x.values());
  EXPECT_EQ(reduce_length(x.view(), 8).values(), x.values()) << "shorter series are kept";
  // Every original step contributes its full weight: the mean is preserved.
  const SequenceSet z = random_set(3, 1, 7, 41, 11);
  const SequenceSet rz = reduce_length(z.view(), 6);
  for (std::size_t i = 0; i < z.size(); ++i) {
    double a = 0, b = 0;
    for (std::size_t t = 0; t < z.view().length(i); ++t) a += z.view()[i].data()[t];
    for (std::size_t t = 0; t < rz.view().length(i); ++t) b += rz.view()[i].data()[t];
    EXPECT_NEAR(a / static_cast<double>(z.view().length(i)), b / static_cast<double>(rz.view().length(i)), 1e-12);
  }
}

TEST(Resolution, PrepareAppliesSegmentThenTargetLengthAndReportsTheLength) {
  ModelParams p;
  p.z_normalise = false;
  p.segment = 2;
  p.target_length = 2;
  const SequenceSet x = one_series({1, 2, 3, 4, 5, 6, 7});
  // Segments (1), (2 3), (4 5), (6 7) -> 1, 2.5, 4.5, 6.5 -> two halves: 1.75, 5.5.
  EXPECT_EQ(prepare(x.view(), p).values(), (std::vector<double>{1.75, 5.5}));
  EXPECT_EQ(prepared_length(7, p), 2u);
  p.target_length = 0;
  EXPECT_EQ(prepared_length(7, p), 4u);
}

Matrix cosine(const Matrix& k) {
  Matrix out = k;
  for (std::size_t i = 0; i < k.rows(); ++i) {
    for (std::size_t j = 0; j < k.cols(); ++j) out(i, j) = k(i, j) / std::sqrt(k(i, i) * k(j, j));
  }
  return out;
}

// The multi-scale sum of NTK and NNGP, against each plain kernel computed by gram() on the series
// averaged by hand, normalised and averaged here.
TEST(MultiScale, IsTheMeanOfTheNormalisedPlainKernelsAtEachLevel) {
  const SequenceSet x = random_set(5, 2, 9, 40, 3);
  Settings s;
  s.model.kernel = KernelType::kNtkPlusNngp;
  s.model.scales = 3;
  s.model.scale_factor = 3;
  s.kernel.layers = 2;
  const Matrix k = kernel_matrices({s}, x.view(), nullptr, 0)[0];
  Matrix expected(x.size(), x.size());
  for (std::size_t factor : {1, 3, 9}) {
    const SequenceSet xl = segment_means(x.view(), factor);
    const GramResult g = gram(xl.view(), s, KernelSelection{true, true, false});
    const Matrix a = cosine(g.ntk), b = cosine(g.nngp);
    for (std::size_t e = 0; e < expected.rows() * expected.cols(); ++e) {
      expected.data()[e] += (a.data()[e] + b.data()[e]) / 6.0;
    }
  }
  for (std::size_t e = 0; e < expected.rows() * expected.cols(); ++e) {
    EXPECT_NEAR(k.data()[e], expected.data()[e], 1e-13);
  }
  // The cross path (K(X, Y) with Y = X, whose normalisation uses the kernel diagonal) agrees.
  const SequenceSetView xv = x.view();
  const Matrix cross = kernel_matrices({s}, x.view(), &xv, 0)[0];
  for (std::size_t e = 0; e < expected.rows() * expected.cols(); ++e) {
    EXPECT_NEAR(cross.data()[e], expected.data()[e], 1e-13);
  }
}

TEST(MultiScale, WithoutCosineTheDiagonalIsTheMeanOfThePlainDiagonals) {
  const SequenceSet x = random_set(4, 1, 5, 20, 8);
  Settings s;
  s.model.kernel = KernelType::kNtkPlusNngp;
  s.model.cosine = false;
  s.model.scales = 2;
  const std::vector<double> d = kernel_diagonal(s, x.view(), 0);
  const Matrix k = kernel_matrices({s}, x.view(), nullptr, 0)[0];
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(d[i], k(i, i), 1e-12 * k(i, i));
}

TEST(RepeatedCrossValidation, ScoreIsTheMeanOfTheSingleRunsWithSuccessiveSeeds) {
  SyntheticOptions o;
  o.per_class = 8;
  o.seed = 3;
  o.noise = 1.0;
  const Dataset train = synthetic_sinusoids(o);
  const std::vector<Settings> points =
      parse_grid("kernel = ntk, nngp; layers = 1, 2; C = 1, 100; seed = 4; repeats = 3", "test").points(Settings{});
  const std::vector<Candidate> repeated = cross_validate(train, points);
  for (int r = 0; r < 3; ++r) {
    std::vector<Settings> single = points;
    for (Settings& s : single) {
      s.model.repeats = 1;
      s.model.seed = 4 + r;
    }
    const std::vector<Candidate> one = cross_validate(train, single);
    for (std::size_t p = 0; p < points.size(); ++p) {
      ASSERT_EQ(repeated[p].repeat_scores.size(), 3u);
      EXPECT_EQ(repeated[p].repeat_scores[static_cast<std::size_t>(r)], one[p].cv_score);
    }
  }
  for (const Candidate& c : repeated) {
    EXPECT_NEAR(c.cv_score, (c.repeat_scores[0] + c.repeat_scores[1] + c.repeat_scores[2]) / 3.0, 1e-15);
  }
}

// Test scores from model selection equal those of models fitted alone, for reduced and composite
// kernels, recurrent and baseline (whose flattened length is the reduced one).
TEST(Resolution, SelectionTestScoresEqualFittedModels) {
  SyntheticOptions o;
  o.per_class = 6;
  o.seed = 11;
  const Dataset train = synthetic_sinusoids(o);
  o.seed = 12;
  o.per_class = 4;
  const Dataset test = synthetic_sinusoids(o);
  const std::vector<Settings> points =
      parse_grid("kernel = ntk+nngp, rbf; pad = true; segment = 1, 3; target_length = 0, 8; scales = 1, 2; C = 10",
                 "test").points(Settings{});
  const std::vector<Candidate> both = cross_validate_and_test(train, test, points);
  for (std::size_t p = 0; p < points.size(); ++p) {
    const Prediction pred = Model::fit(train, points[p]).predict(test.sequences.view());
    EXPECT_EQ(both[p].test_score, accuracy(pred.labels, test.labels)) << describe(points[p]);
  }
}

}  // namespace
}  // namespace rntk
