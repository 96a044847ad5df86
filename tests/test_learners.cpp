// Learners and model selection: libsvm through rntk equals libsvm directly, kernel ridge equals a
// direct solve, cross-validation on sub-blocks equals recomputing the kernels, folds, ties, grids,
// baseline kernels, model files.
#include <gtest/gtest.h>
#include <libsvm/svm.h>

#include <filesystem>
#include <numeric>

#include "rntk/error.hpp"
#include "rntk/gram.hpp"
#include "rntk/kernels.hpp"
#include "rntk/learners.hpp"
#include "rntk/model.hpp"
#include "rntk/preprocess.hpp"
#include "rntk/selection.hpp"
#include "rntk/synthetic.hpp"
#include "test_util.hpp"

namespace rntk {
namespace {

using testing::random_set;

Dataset synthetic(std::size_t per_class, std::uint64_t seed, std::size_t min_length = 20,
                  std::size_t max_length = 60, double noise = 0.8) {
  SyntheticOptions o;
  o.per_class = per_class;
  o.seed = seed;
  o.min_length = min_length;
  o.max_length = max_length;
  o.noise = noise;
  return synthetic_sinusoids(o);
}

std::vector<std::size_t> all_rows(std::size_t n) {
  std::vector<std::size_t> r(n);
  std::iota(r.begin(), r.end(), std::size_t{0});
  return r;
}

TEST(Svm, PredictionsEqualLibsvmsOwnPrecomputedKernelPath) {
  const Dataset train = synthetic(8, 1);
  const Dataset test = synthetic(5, 2);
  const SequenceSet all = [&] {
    SequenceSet s(1);
    for (std::size_t i = 0; i < train.sequences.size(); ++i) s.append(std::span(train.sequences[i].data(), train.sequences[i].length()));
    for (std::size_t i = 0; i < test.sequences.size(); ++i) s.append(std::span(test.sequences[i].data(), test.sequences[i].length()));
    return s;
  }();
  const Matrix k = gram(all.view(), Settings{}).ntk;  // train rows first, then test rows
  const std::size_t n = train.sequences.size(), m = test.sequences.size();
  const Targets t = make_targets(train.labels, Task::kClassification);

  // libsvm directly: the whole training Gram in its format, test rows indexed by training serials,
  // divided by the training Gram's mean diagonal as rntk's SVM documents.
  double scale = 0;
  for (std::size_t a = 0; a < n; ++a) scale += k(a, a) / static_cast<double>(n);
  std::vector<std::vector<svm_node>> rows(n + m, std::vector<svm_node>(n + 2));
  std::vector<svm_node*> x(n);
  std::vector<double> y(n);
  for (std::size_t a = 0; a < n + m; ++a) {
    rows[a][0] = {0, static_cast<double>(a + 1)};
    for (std::size_t b = 0; b < n; ++b) rows[a][b + 1] = {static_cast<int>(b + 1), k(a, b) / scale};
    rows[a][n + 1] = {-1, 0};
  }
  for (std::size_t a = 0; a < n; ++a) {
    x[a] = rows[a].data();
    y[a] = t.class_of[a];
  }
  svm_problem problem{static_cast<int>(n), y.data(), x.data()};
  svm_parameter param{};
  param.svm_type = C_SVC;
  param.kernel_type = PRECOMPUTED;
  param.cache_size = 200;
  param.eps = 1e-3;
  param.C = 10;
  param.shrinking = 1;
  svm_model* direct = svm_train(&problem, &param);

  const SvmClassifier ours = SvmClassifier::train(k, all_rows(n), t.class_of, 10);
  std::vector<std::size_t> test_rows(m);
  std::iota(test_rows.begin(), test_rows.end(), n);
  const std::vector<int> predicted = ours.predict(submatrix(k, test_rows, ours.support()));
  ASSERT_EQ(static_cast<int>(ours.support().size()), direct->l);
  int disagreements = 0;
  for (std::size_t a = 0; a < m; ++a) {
    disagreements += predicted[a] != static_cast<int>(svm_predict(direct, rows[n + a].data()));
  }
  EXPECT_EQ(disagreements, 0);
  svm_free_and_destroy_model(&direct);
}

TEST(KernelRidge, EqualsADirectSolve) {
  const SequenceSet x = random_set(30, 2, 5, 20, 3);
  const Matrix k = gram(x.view(), Settings{}).ntk;
  Eigen::MatrixXd y = Eigen::MatrixXd::Random(30, 2);
  const double alpha = 0.01;
  const KernelRidge r = KernelRidge::fit(k, all_rows(30), y, alpha);
  Eigen::MatrixXd a(30, 30);
  for (int i = 0; i < 30; ++i) {
    for (int j = 0; j < 30; ++j) a(i, j) = k(i, j);
  }
  const Eigen::MatrixXd direct = (a + alpha * a.trace() / 30 * Eigen::MatrixXd::Identity(30, 30)).fullPivLu().solve(y);
  EXPECT_LT((r.coefficients() - direct).norm(), 1e-9 * direct.norm());
  const Eigen::MatrixXd out = r.predict(k);
  EXPECT_LT((out - a * direct).norm(), 1e-9 * out.norm());
}

// Scores computed by cross_validate (sub-blocks of one training Gram) against recomputing, for every
// fold, the kernels of the fold's own sequences from scratch.
TEST(CrossValidation, SubBlockReuseEqualsRecomputingTheKernels) {
  const Dataset train = synthetic(7, 5);
  const std::vector<Settings> points =
      parse_grid("kernel = ntk, nngp, rbf; layers = 1, 2; C = 1, 100; gamma = 0.5; pad = true", "test").points(Settings{});
  const std::vector<Candidate> scores = cross_validate(train, points);
  const Targets t = make_targets(train.labels, Task::kClassification);
  const std::vector<int> fold = assign_folds(t.class_of, train.sequences.size(), 5, 0, true);
  const std::size_t length = train.sequences.view().max_length();
  for (std::size_t p = 0; p < points.size(); ++p) {
    const Settings& s = points[p];
    const SequenceSet x = prepare(train.sequences.view(), s.model);
    double correct = 0;
    for (int f = 0; f < 5; ++f) {
      std::vector<std::size_t> tr, held;
      for (std::size_t i = 0; i < fold.size(); ++i) (fold[i] == f ? held : tr).push_back(i);
      const SequenceSet xt = subset(x.view(), tr), xh = subset(x.view(), held);
      const SequenceSetView xtv = xt.view();
      const Matrix ktrain = kernel_matrices({s}, xtv, nullptr, length)[0];
      const Matrix kheld = kernel_matrices({s}, xh.view(), &xtv, length)[0];
      std::vector<int> classes;
      for (std::size_t i : tr) classes.push_back(t.class_of[i]);
      const SvmClassifier svm = SvmClassifier::train(ktrain, all_rows(tr.size()), classes, s.model.C);
      const std::vector<int> pred = svm.predict(submatrix(kheld, all_rows(held.size()), svm.support()));
      for (std::size_t a = 0; a < held.size(); ++a) correct += pred[a] == t.class_of[held[a]];
    }
    EXPECT_EQ(scores[p].cv_score, correct / static_cast<double>(train.sequences.size())) << describe(s);
  }
}

TEST(CrossValidation, TestScoresOfEveryPointEqualFittedModels) {
  const Dataset train = synthetic(7, 21), test = synthetic(4, 22);
  const std::vector<Settings> points =
      parse_grid("kernel = ntk, nngp, rbf; layers = 1, 2; learner = svm, ridge; C = 1, 100; alpha = 0.01; "
                 "pad = true", "test").points(Settings{});
  const std::vector<Candidate> cv = cross_validate(train, points);
  const std::vector<Candidate> both = cross_validate_and_test(train, test, points);
  for (std::size_t p = 0; p < points.size(); ++p) {
    EXPECT_EQ(both[p].cv_score, cv[p].cv_score);
    const Prediction pred = Model::fit(train, points[p]).predict(test.sequences.view());
    EXPECT_EQ(both[p].test_score, accuracy(pred.labels, test.labels)) << describe(points[p]);
  }
}

TEST(CrossValidation, StratifiedFoldsAreBalancedSeededAndGraceful) {
  std::vector<int> classes;
  for (int i = 0; i < 23; ++i) classes.push_back(i < 17 ? 0 : i < 21 ? 1 : 2);  // 17, 4, 2 members
  const std::vector<int> a = assign_folds(classes, 23, 5, 7, true);
  EXPECT_EQ(a, assign_folds(classes, 23, 5, 7, true));
  EXPECT_NE(a, assign_folds(classes, 23, 5, 8, true));
  std::vector<std::vector<int>> count(5, std::vector<int>(3, 0));
  std::vector<int> size(5, 0);
  for (std::size_t i = 0; i < 23; ++i) {
    ++count[a[i]][classes[i]];
    ++size[a[i]];
  }
  for (int c = 0; c < 3; ++c) {
    int lo = 100, hi = 0;
    for (int f = 0; f < 5; ++f) {
      lo = std::min(lo, count[f][c]);
      hi = std::max(hi, count[f][c]);
    }
    EXPECT_LE(hi - lo, 1) << "class " << c << " is not spread evenly";
  }
  EXPECT_LE(*std::max_element(size.begin(), size.end()) - *std::min_element(size.begin(), size.end()), 1);
  // Fewer sequences than folds: one per fold.
  EXPECT_EQ(assign_folds({0, 1, 0}, 3, 5, 0, true).size(), 3u);
  const std::vector<int> tiny = assign_folds({0, 1, 0}, 3, 5, 0, true);
  EXPECT_EQ(std::set<int>(tiny.begin(), tiny.end()).size(), 3u);
}

TEST(Selection, TiesGoToStrongerRegularisationThenGridOrder) {
  Settings a, b, c;
  a.model.C = 10;
  b.model.C = 1;
  c.model.C = 1;
  c.model.kernel = KernelType::kNngp;
  EXPECT_EQ(best_candidate({{a, 0.9}, {b, 0.9}, {c, 0.9}}), 1u);
  EXPECT_EQ(best_candidate({{a, 0.9}, {b, 0.8}, {c, 0.95}}), 2u);
  Settings r1, r2;
  r1.model.learner = r2.model.learner = Learner::kRidge;
  r1.model.alpha = 0.1;
  r2.model.alpha = 1;
  EXPECT_EQ(best_candidate({{r1, 0.5}, {r2, 0.5}}), 1u);
}

TEST(Grid, ProductSkipsParametersAPointsKernelDoesNotUse) {
  const Grid g = parse_grid("kernel = ntk, rbf  # two kernels\nsigma_w = 1, 1.4; gamma = 0.1, 1, 10\nC = 1, 10", "g");
  const std::vector<Settings> p = g.points(Settings{});
  // ntk: 2 sigma_w x 2 C; rbf: 3 gamma x 2 C.
  EXPECT_EQ(p.size(), 4u + 6u);
  EXPECT_EQ(p.front().kernel.sigma_w, 1.0);
  EXPECT_EQ(p.back().model.kernel, KernelType::kRbf);
  EXPECT_EQ(p.back().model.gamma, 10.0);
  EXPECT_EQ(p.back().model.C, 10.0);
  EXPECT_THROW(parse_grid("sigma_w = 1, -2", "g"), Error);
  EXPECT_THROW(parse_grid("kernel = ntk, tanh", "g"), Error);
  EXPECT_THROW(parse_grid("nonsense = 1", "g"), Error);
  EXPECT_THROW(parse_grid("C = ", "g"), Error);
  EXPECT_EQ(merge_grids(g, parse_grid("C = 5", "h")).points(Settings{}).size(), 2u + 3u);
}

// A grid of blanks or comments would otherwise search one point of the defaults unnoticed.
TEST(Grid, TextWithoutAxesIsAnError) {
  for (const std::string text : {"", " ", " ; ;", "# only a comment\n\n  # another\n"}) {
    try {
      parse_grid(text, "g.txt");
      ADD_FAILURE() << "accepted '" << text << "'";
    } catch (const Error& e) {
      EXPECT_EQ(static_cast<int>(e.kind()), static_cast<int>(Error::Kind::kParameter));
      EXPECT_NE(std::string(e.what()).find("g.txt: the model-selection grid is empty (no axes)"), std::string::npos)
          << e.what();
    }
  }
}

TEST(Selection, PassLabelsNameTheKernelsAndWhatTellsPassesApart) {
  const std::vector<Settings> p = parse_grid("kernel = ntk, nngp; sigma_u = 0.1, 2; layers = 1, 2; C = 1, 10", "g").points(Settings{});
  const std::vector<std::vector<std::size_t>> passes = points_by_pass(p);
  ASSERT_EQ(passes.size(), 2u);
  EXPECT_EQ(pass_labels(p, passes), (std::vector<std::string>{"1/2: ntk+nngp sigma_u=0.1", "2/2: ntk+nngp sigma_u=2"}));
  const std::vector<Settings> rbf = parse_grid("kernel = rbf; gamma = 0.1, 1", "g").points(Settings{});
  EXPECT_EQ(pass_labels(rbf, points_by_pass(rbf)), std::vector<std::string>{"1/1: rbf"});
}

TEST(Baselines, RbfPolyLinearAndPaddingOnFlattenedSeries) {
  SequenceSet x(1);
  x.append(std::vector<double>{1, 2, 3});
  x.append(std::vector<double>{0, -1});
  Settings s;
  s.model.cosine = false;
  s.model.kernel = KernelType::kRbf;
  EXPECT_THROW(kernel_matrices({s}, x.view(), nullptr, 3), Error);  // different lengths, no padding
  s.model.pad = true;
  s.model.gamma = 1.5;
  const Matrix rbf = kernel_matrices({s}, x.view(), nullptr, 3)[0];
  EXPECT_DOUBLE_EQ(rbf(0, 1), std::exp(-0.5 * (1 + 9 + 9)));  // g = 1.5 / 3; |(1,2,3) - (0,-1,0)|^2 = 19
  s.model.kernel = KernelType::kPolynomial;
  s.model.degree = 2;
  s.model.coef0 = 1;
  EXPECT_DOUBLE_EQ(kernel_matrices({s}, x.view(), nullptr, 3)[0](0, 1), std::pow(0.5 * -2 + 1, 2));
  EXPECT_DOUBLE_EQ(kernel_matrices({s}, x.view(), nullptr, 3)[0](0, 0), std::pow(0.5 * 14 + 1, 2));
  s.model.kernel = KernelType::kLinear;
  s.model.cosine = true;
  EXPECT_DOUBLE_EQ(kernel_matrices({s}, x.view(), nullptr, 3)[0](0, 1), -2 / std::sqrt(14.0 * 1.0));
}

// The MLP kernels against the textbook fully connected NTK recursion (Jacot et al.; Arora et al.):
// S^1 = sw^2 <x,y>/d + sb^2, S^l = sw^2 V(S^(l-1)) + sb^2, Th^l = S^l + sw^2 V'(S^(l-1)) Th^(l-1),
// NTK = sv^2 (V(S^L) + V'(S^L) Th^L), NNGP = sv^2 V(S^L), with the ReLU arc-cosine V, V'.
TEST(Baselines, MlpKernelsAreTheFullyConnectedNtk) {
  const SequenceSet x = random_set(2, 1, 6, 6, 4);
  Settings s;
  s.model.cosine = false;
  s.model.kernel = KernelType::kMlpNtk;
  s.kernel = {1.3, 1.0, 0.2, 0.0, 1.1, 3, Activation::kRelu};
  const double pi = std::acos(-1.0);
  auto V = [&](double a, double c, double b) {
    const double lam = c / std::sqrt(a * b);
    return std::sqrt(a * b) * (lam * (pi - std::acos(lam)) + std::sqrt(1 - lam * lam)) / (2 * pi);
  };
  auto Vd = [&](double a, double c, double b) { return (pi - std::acos(c / std::sqrt(a * b))) / (2 * pi); };
  const double sw2 = 1.69, sb2 = 0.04, sv2 = 1.21;
  auto dot = [&](int i, int j) {
    double d = 0;
    for (int t = 0; t < 6; ++t) d += x[i].data()[t] * x[j].data()[t];
    return d;
  };
  double a = sw2 * dot(0, 0) / 6 + sb2, b = sw2 * dot(1, 1) / 6 + sb2, c = sw2 * dot(0, 1) / 6 + sb2, th = c;
  for (int l = 2; l <= 3; ++l) {
    const double na = sw2 * V(a, a, a) + sb2, nb = sw2 * V(b, b, b) + sb2, nc = sw2 * V(a, c, b) + sb2;
    th = nc + sw2 * Vd(a, c, b) * th;
    a = na, b = nb, c = nc;
  }
  const double ntk = sv2 * (V(a, c, b) + Vd(a, c, b) * th), nngp = sv2 * V(a, c, b);
  const std::vector<Settings> both = {s, [&] { Settings n = s; n.model.kernel = KernelType::kMlpNngp; return n; }()};
  const std::vector<Matrix> k = kernel_matrices(both, x.view(), nullptr, 6);
  EXPECT_NEAR(k[0](0, 1), ntk, 1e-12 * ntk);
  EXPECT_NEAR(k[1](0, 1), nngp, 1e-12 * nngp);
}

TEST(Preprocess, ZNormalisationPerSeriesAndChannel) {
  SequenceSet x(2);
  x.append(std::vector<double>{1, 10, 2, 10, 3, 10});  // channel 2 constant
  const SequenceSet z = z_normalise(x.view());
  const double sd = std::sqrt(2.0 / 3.0);
  EXPECT_EQ(z.values(), (std::vector<double>{-1 / sd, 0, 0, 0, 1 / sd, 0}));
}

class ModelFiles : public ::testing::TestWithParam<std::string> {};

TEST_P(ModelFiles, PredictionsAfterReloadingEqualPredictionsInProcess) {
  Dataset train = synthetic(10, 7, 20, 50, 0.3), test = synthetic(4, 8, 20, 50, 0.3);
  const std::vector<Settings> points = parse_grid(GetParam(), "model test").points(Settings{});
  if (points.front().model.task == Task::kRegression) {
    for (std::size_t i = 0; i < train.labels.size(); ++i) train.labels[i] = std::to_string(0.5 * i);
  }
  const Selection s = select_and_fit(train, points);
  const std::string path = (std::filesystem::temp_directory_path() / "rntk_model_test.json").string();
  s.model.save(path);
  const Model loaded = Model::load(path);
  std::filesystem::remove(path);
  const Prediction before = s.model.predict(test.sequences.view());
  const Prediction after = loaded.predict(test.sequences.view());
  EXPECT_EQ(before.labels, after.labels);
  EXPECT_EQ(before.values, after.values);
  EXPECT_EQ(settings_key(loaded.settings()), settings_key(s.model.settings()));
  if (points.front().model.task == Task::kClassification && is_recurrent(points.front().model.kernel)) {
    EXPECT_GT(accuracy(before.labels, test.labels), 0.6) << "far above chance (1/3)";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Learners, ModelFiles,
    ::testing::Values("kernel = ntk, nngp; layers = 1, 2; C = 1, 100",
                      "kernel = nngp; learner = ridge; alpha = 0.001, 0.1",
                      "kernel = rbf; pad = true; gamma = 1; C = 10",
                      "kernel = mlp-ntk; pad = true; layers = 2; learner = ridge",
                      "kernel = ntk; task = regression; learner = ridge; alpha = 0.01, 1",
                      "kernel = ntk+nngp; segment = 2; scales = 2; C = 1, 100",
                      "kernel = rbf; pad = true; target_length = 16; C = 10"),
    [](const auto& info) { return "grid" + std::to_string(info.index); });

TEST(ModelFiles, BrokenFilesAreRefusedWithTheirName) {
  const std::string path = (std::filesystem::temp_directory_path() / "rntk_bad_model.json").string();
  std::ofstream(path) << "{\"format\": \"rntk-model\", \"version\": 1}";
  try {
    Model::load(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path + ": malformed model file"), std::string::npos) << e.what();
  }
  std::ofstream(path) << "{\"format\": \"rntk-model\", \"version\": 9}";
  EXPECT_THROW(Model::load(path), Error);
  std::ofstream(path) << "not json";
  EXPECT_THROW(Model::load(path), Error);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace rntk
