// The error catalogue (docs/ERRORS.md): a test for each message no other test asserts, and the
// checks that keep the catalogue honest: every entry names a test that exists and asserts the
// entry's message, and every message the sources throw is in the catalogue.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <regex>
#include <set>
#include <sstream>

#include "rntk/activations.hpp"
#include "rntk/cluster.hpp"
#include "rntk/distributed_gram.hpp"
#include "rntk/dynamics.hpp"
#include "rntk/error.hpp"
#include "rntk/finite_rnn.hpp"
#include "rntk/gram.hpp"
#include "rntk/io.hpp"
#include "rntk/kernels.hpp"
#include "rntk/learners.hpp"
#include "rntk/model.hpp"
#include "rntk/nearest.hpp"
#include "rntk/nystrom.hpp"
#include "rntk/preprocess.hpp"
#include "rntk/selection.hpp"
#include "rntk/synthetic.hpp"
#include "test_util.hpp"

namespace rntk {
namespace {

namespace fs = std::filesystem;

// The message of the rntk::Error that `f` throws, after checking its kind.
std::string message_of(const std::function<void()>& f, Error::Kind kind) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(static_cast<int>(e.kind()), static_cast<int>(kind)) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no rntk::Error was thrown";
  return "";
}

#define EXPECT_HAS(text, part) EXPECT_NE(std::string(text).find(part), std::string::npos) << (text)

constexpr auto kInput = Error::Kind::kInput;
constexpr auto kParameter = Error::Kind::kParameter;
constexpr auto kIo = Error::Kind::kIo;
constexpr auto kNumeric = Error::Kind::kNumeric;

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

SequenceSet two_series(std::size_t length_a, std::size_t length_b, std::size_t dim = 1) {
  SequenceSet s(dim);
  s.append(std::vector<double>(length_a * dim, 0.5));
  s.append(std::vector<double>(length_b * dim, -0.25));
  return s;
}

// ---------------------------------------------------------------------------------------------
// The CLI, for messages only a command produces: its status and its stdout and stderr together.

struct CliRun {
  int status;
  std::string output;
};

CliRun shell(const std::string& command) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  std::string output;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

CliRun cli(const std::string& args) { return shell(std::string(RNTK_CLI) + " " + args); }

class ErrorsCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rntk_errors_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(path("x.tsv")) << "1\t0.5\t-1\t0.25\n2\t1.5\t0.5\t2\n1\t-0.5\t0.75\t1\n2\t0.1\t0.2\t0.3\n";
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  // Names in the folder holding `part`: outputs and temporaries left behind.
  std::size_t files_with(const std::string& part) const {
    std::size_t n = 0;
    for (const auto& e : fs::directory_iterator(dir_)) n += e.path().filename().string().find(part) != std::string::npos;
    return n;
  }
  fs::path dir_;
};

// ---------------------------------------------------------------------------------------------
// Input files

TEST(Errors, DelimitedReaderMessages) {
  EXPECT_HAS(message_of([] { parse_sequences("\t1\t2\n", "d.tsv"); }, kInput),
             "d.tsv:1:1: expected a class label in field 1, found an empty field");
  EXPECT_HAS(message_of([] { sequence_format_from_path("x.dat"); }, kInput),
             "x.dat: cannot tell the format from the extension");
}

TEST(Errors, TsReaderMessages) {
  EXPECT_HAS(message_of([] { parse_sequences("1,2\n", "a.ts"); }, kInput),
             "a.ts:1:1: expected a header line starting with '@' (or @data) before the data");
  EXPECT_HAS(message_of([] { parse_sequences("@timestamps true\n@data\n", "a.ts"); }, kInput),
             "time-stamped .ts data ((t, v) pairs) is not supported");
  EXPECT_HAS(message_of([] { parse_sequences("@dimensions two\n@data\n", "a.ts"); }, kInput),
             "expected a positive whole number of dimensions, found 'two'");
  EXPECT_HAS(message_of([] { parse_sequences("@classLabel true a\n@data\n1,2\n", "a.ts"); }, kInput),
             "expected values and a class label after the last ':'");
  EXPECT_HAS(message_of([] { parse_sequences("@dimensions 2\n@data\n1,2\n", "a.ts"); }, kInput),
             "a.ts:3: this case has 1 channels but the header declares @dimensions 2");
  EXPECT_HAS(message_of([] { parse_sequences("@data\n1,2:\n", "a.ts"); }, kInput), "channel 2 of this case is empty");
  EXPECT_HAS(message_of([] { parse_sequences("@problemName x\n", "a.ts"); }, kInput), "a.ts: no @data line: not a .ts file");
}

TEST(Errors, SequenceArraysFromTheLibrary) {
  const std::vector<double> values{1, 2, 3};
  const std::vector<std::int64_t> offsets{1, 3};
  EXPECT_HAS(message_of([&] { SequenceSetView(values.data(), offsets.data(), 1, 0).validate("X"); }, kInput),
             "X: dimension must be at least 1");
  EXPECT_HAS(message_of([&] { SequenceSetView(values.data(), offsets.data(), 1, 1).validate("X"); }, kInput),
             "X: offsets[0] must be 0, got 1");
  const std::vector<std::int64_t> empty{0, 0};
  EXPECT_HAS(message_of([&] { SequenceSetView(values.data(), empty.data(), 1, 1).validate("X"); }, kInput),
             "X: sequence 0 is empty (every sequence needs at least one time step)");
  const std::vector<double> nan{1, std::nan(""), 3};
  const std::vector<std::int64_t> three{0, 3};
  EXPECT_HAS(message_of([&] { SequenceSetView(nan.data(), three.data(), 1, 1).validate("X"); }, kInput),
             "X: sequence 0, time step 1, channel 0 is NaN; values must be finite (missing values inside a series are not");
  const std::vector<double> inf{1, 2, -std::numeric_limits<double>::infinity()};
  EXPECT_HAS(message_of([&] { SequenceSetView(inf.data(), three.data(), 1, 1).validate("X"); }, kInput),
             "X: sequence 0, time step 2, channel 0 is -inf; values must be finite");
  EXPECT_HAS(message_of([] { SequenceSet(2).append(std::vector<double>{1, 2, 3}); }, kInput),
             "a sequence of 3 values does not divide into steps of dimension 2");
}

// The CLI names both files (Cli.RowsOfDifferentDimensionAreRejected); the library its two arguments.
TEST(Errors, GramOfSetsWithDifferentDimensions) {
  const SequenceSet x = two_series(2, 3, 2), y = two_series(2, 3, 1);
  EXPECT_HAS(message_of([&] { gram(x.view(), y.view(), Settings{}); }, kInput),
             "row sequences have dimension 2 but column sequences have dimension 1; both sets must have the same number of channels");
}

// Training data is checked as given, before z-normalisation spreads a NaN over its whole series
// (which would then be reported at time step 0, as "-nan").
TEST(Errors, TrainingDataIsCheckedBeforePreprocessing) {
  Dataset train;
  train.sequences = two_series(3, 4);
  train.sequences.append(std::vector<double>{0.1, 0.2, std::nan(""), 0.4});
  train.labels = {"a", "b", "a"};
  ASSERT_TRUE(Settings{}.model.z_normalise);
  EXPECT_HAS(message_of([&] { Model::fit(train, Settings{}); }, kInput),
             "training data: sequence 2, time step 2, channel 0 is NaN");
  train.source = "train.tsv";
  Settings ridge;
  set_param(ridge, "learner", "ridge");
  set_param(ridge, "nystrom", 2);
  EXPECT_HAS(message_of([&] { Model::fit(train, ridge); }, kInput), "train.tsv: sequence 2, time step 2, channel 0 is NaN");
}

TEST(Errors, FixedLengthKernelsNeedOneLength) {
  const SequenceSet x = two_series(3, 5);
  EXPECT_HAS(message_of([&] { flatten(x.view(), 5, false); }, kInput),
             "sequence 0 has length 3 but this kernel compares fixed-length vectors of length 5");
}

TEST(Errors, LabelsAndTargets) {
  EXPECT_HAS(message_of([] { make_targets({"1.5", "abc"}, Task::kRegression); }, kInput),
             "regression needs numeric targets: the label 'abc' of sequence 1 is not a number");
  Dataset one;
  one.sequences = two_series(3, 3);
  one.labels = {"a", "b"};
  Dataset single;
  single.sequences.append(std::vector<double>{1, 2});
  single.labels = {"a"};
  EXPECT_HAS(message_of([&] { cross_validate(single, {Settings{}}); }, kInput),
             "cross-validation needs at least 2 training sequences, got 1");
  Dataset unlabelled = one;
  unlabelled.labels.clear();
  unlabelled.source = "t.csv";
  EXPECT_HAS(message_of([&] { cross_validate_and_test(one, unlabelled, {Settings{}}); }, kInput),
             "t.csv: the test set has no labels to score against");
  EXPECT_HAS(message_of([] { accuracy({}, {}); }, kInput), "accuracy: no labels to compare");
  EXPECT_HAS(message_of([] { rmse({}, {}); }, kInput), "rmse: no targets to compare");
}

TEST_F(ErrorsCli, ClassifyNeedsATestSetWithLabels) {
  std::ofstream(path("u.csv")) << "1,2,3\n4,5,6\n";
  const CliRun r = cli("classify --train " + path("x.tsv") + " --test " + path("u.csv") + " --grid 'C = 1'");
  EXPECT_EQ(r.status, 1);
  EXPECT_HAS(r.output, ": the test set has no labels to score against");
}

TEST_F(ErrorsCli, UcrNeedsAnArchive) {
  fs::create_directories(dir_ / "empty");
  const CliRun r = cli("ucr --archive " + path("empty") + " --out " + path("u.csv"));
  EXPECT_EQ(r.status, 1);
  EXPECT_HAS(r.output, "empty: no data sets (folders NAME with NAME_TRAIN.tsv and NAME_TEST.tsv)");
  EXPECT_EQ(files_with("u.csv"), 0u);
}

TEST(Errors, NearestNeighbourInputs) {
  const SequenceSet one = two_series(3, 3), two = two_series(3, 3, 2), none(1);
  const NearestOptions options{NearestDistance::kDtw, 1.0, 1};
  EXPECT_HAS(message_of([&] { nearest_neighbours(one.view(), two.view(), options); }, kInput),
             "the queries have 1 channels but the references 2; nearest neighbours need the same channels");
  EXPECT_HAS(message_of([&] { nearest_neighbours(one.view(), none.view(), options); }, kInput),
             "no reference sequences to search");
  EXPECT_HAS(message_of([&] { dtw(one.view()[0], two.view()[0], 3); }, kInput),
             "DTW needs sequences with the same channels, not 1 and 2");
  const SequenceSet lone = SequenceSet(std::vector<double>{1, 2}, {0, 2}, 1);
  EXPECT_HAS(message_of([&] { nearest_others(lone.view(), options); }, kInput),
             "leave-one-out nearest neighbours need at least 2 sequences");
  EXPECT_HAS(message_of([&] { learn_dtw_window(lone.view(), {"a"}, {0.1}, 1); }, kInput),
             "choosing a DTW window by leave-one-out needs at least 2 sequences");
  EXPECT_HAS(message_of([] { neighbour_accuracy({0, 1}, {"a"}, {"a", "b"}); }, kInput), "1 labels for 2 sequences");
}

// ---------------------------------------------------------------------------------------------
// Parameters

TEST(Errors, ParameterRegistry) {
  Settings s;
  EXPECT_HAS(message_of([&] { set_param(s, "sigma_x", "1"); }, kParameter), "unknown parameter 'sigma_x'; known parameters: ");
  EXPECT_HAS(message_of([&] { set_param(s, "cosine", "maybe"); }, kParameter),
             "parameter cosine = 'maybe' is not allowed: choose true or false");
  EXPECT_HAS(message_of([&] { set_param(s, "sigma_w", "one"); }, kParameter),
             "parameter sigma_w = 'one' is not a number: allowed [0, 100]");
  EXPECT_HAS(message_of([&] { set_param(s, "kernel", 99.0); }, kParameter), "parameter kernel = 99 is not allowed: choose one of ");
  s.kernel.layers = 2;
  s.kernel.frozen_layers = 3;
  EXPECT_HAS(message_of([&] { validate(s); }, kParameter),
             "parameter frozen_layers = 3 is out of range: allowed integers in [0, layers = 2]");
  Settings nystrom;
  set_param(nystrom, "nystrom", "10");
  EXPECT_HAS(message_of([&] { validate(nystrom); }, kParameter),
             "nystrom = 10 learns by ridge regression on the Nystrom features: give learner = ridge");
}

TEST(Errors, GridFiles) {
  EXPECT_HAS(message_of([] { parse_grid("C = 1\nlayers 2\n", "g.txt"); }, kParameter),
             "g.txt:2: expected 'name = value, value, ...', found 'layers 2'");
  EXPECT_HAS(message_of([] { parse_grid("C = 1; C = 2", "g.txt"); }, kParameter), "g.txt:1: C is given twice");
  EXPECT_HAS(message_of([] { check_shared({}); }, kParameter), "the model-selection grid is empty");
  std::vector<Settings> points(2);
  points[1].model.folds = 3;
  EXPECT_HAS(message_of([&] { check_shared(points); }, kParameter),
             "task, folds, seed, repeats, nystrom and landmarks cannot vary within one model selection");
}

TEST_F(ErrorsCli, GramOptions) {
  const std::string x = path("x.tsv");
  CliRun r = cli("gram " + x + " --kernel both");
  EXPECT_EQ(r.status, 2);
  EXPECT_HAS(r.output, "several matrices (--kernel both or several --layers) need --out");
  r = cli("gram " + x + " --format npy");
  EXPECT_EQ(r.status, 2);
  EXPECT_HAS(r.output, "--format npy needs --out");
  r = cli("gram " + x + " -o " + path("K.dat"));
  EXPECT_EQ(r.status, 2);
  EXPECT_HAS(r.output, "K.dat: cannot tell the output format from the extension; expected .npy");
  r = cli("gram " + x + " --activation custom");
  EXPECT_EQ(r.status, 2);
  EXPECT_HAS(r.output, "activation custom needs a sampled function (from the Python module)");
  r = cli("gram " + x + " --memory-budget 12Q -o " + path("K.npy"));
  EXPECT_EQ(r.status, 2);
  EXPECT_HAS(r.output, "--memory-budget = '12Q' is not a size: give bytes or a number with K, M, G or T");
  EXPECT_EQ(files_with("K."), 0u);
}

TEST_F(ErrorsCli, UcrAndDynamicsOptions) {
  CliRun r = cli("ucr --archive " + path("") + " --datasets Some --methods ed,ed --out " + path("u.csv"));
  EXPECT_EQ(r.status, 2);
  EXPECT_HAS(r.output, "--methods lists a method twice: ed,ed");
  r = cli("predict-dynamics --train " + path("x.tsv") + " --test " + path("x.tsv") + " --times 1,soon");
  EXPECT_EQ(r.status, 2);
  EXPECT_HAS(r.output, "--times: 'soon' is not a time >= 0 (or inf)");
  r = cli("predict-dynamics --train " + path("x.tsv") + " --test " + path("x.tsv") + " --times ,");
  EXPECT_EQ(r.status, 2);
  EXPECT_HAS(r.output, "--times: give at least one time");
}

TEST(Errors, LibraryParameters) {
  const SequenceSet x = two_series(4, 4);
  EXPECT_HAS(message_of([&] { segment_means(x.view(), 0); }, kParameter), "segment size must be at least 1");
  EXPECT_HAS(message_of([&] { reduce_length(x.view(), 0); }, kParameter), "target length must be at least 1");
  SyntheticOptions none;
  none.per_class = 0;
  EXPECT_HAS(message_of([&] { synthetic_sinusoids(none); }, kParameter),
             "synthetic_sinusoids: need classes, per_class, dim, min_length >= 1 and max_length >= min_length");
  EXPECT_HAS(message_of([] { SampledActivation(1, 0, {0, 1}, {1, 1}); }, kParameter),
             "a sampled activation needs lo < hi and at least 2 samples of phi and phi'");
  EXPECT_HAS(message_of([] { SampledActivation(0, 1, {0, std::nan("")}, {1, 1}); }, kParameter),
             "the activation is not finite at z = 1");
  Settings a, b;
  b.model.kernel = KernelType::kRbf;
  EXPECT_HAS(message_of([&] { kernel_matrices({a, b}, x.view(), nullptr, 4); }, kParameter),
             "kernel_matrices: settings of different passes");
  std::ostringstream out;
  EXPECT_HAS(message_of([&] { write_matrix(out, Matrix(1, 1), MatrixFormat::kAuto); }, kParameter),
             "write_matrix: the format must be resolved before writing");
  EXPECT_HAS(message_of([&] { write_gram_files(x.view(), nullptr, Settings{}, {{true, 2, "K.npy"}}, local_cluster()); },
                        kParameter),
             "depth 2 of K.npy is out of range: allowed 1 .. 1");
}

TEST(Errors, NearestNeighbourParameters) {
  const SequenceSet x = two_series(3, 6);
  EXPECT_HAS(message_of([&] { dtw(x.view()[0], x.view()[1], 1); }, kParameter),
             "DTW window 1 is out of range for lengths 3 and 6: allowed at least their difference 3");
  EXPECT_HAS(message_of([] { percent_windows(101); }, kParameter),
             "largest DTW window 101% is out of range: allowed integers in [0, 100]");
  EXPECT_HAS(message_of([&] { learn_dtw_window(x.view(), {"a", "b"}, {}, 1); }, kParameter), "no DTW windows to choose from");
}

TEST(Errors, DynamicsParameters) {
  Matrix k(2, 2), t(1, 2);
  k(0, 0) = k(1, 1) = 1;
  const Eigen::MatrixXd y = Eigen::MatrixXd::Ones(2, 1);
  EXPECT_HAS(message_of([&] { gradient_flow_mean(k, t, y, 0.0, {1}); }, kParameter),
             "the learning rate eta must be positive and finite");
  EXPECT_HAS(message_of([&] { gradient_flow_mean(k, t, y, 1.0, {-1}); }, kParameter),
             "training times must be >= 0 (infinity allowed)");
  EXPECT_HAS(message_of([&] { gp_posterior(k, t, {1}, y, -1); }, kParameter), "the noise variance must be >= 0 and finite");
  EXPECT_HAS(message_of([&] { gradient_flow_mean(k, t, Eigen::MatrixXd::Ones(3, 1), 1.0, {1}); }, kInput),
             "kernel and target shapes do not match: train 2 x 2, test 1 x 2, targets 3");
}

TEST(Errors, FiniteNetworkParameters) {
  const KernelParams p;
  EXPECT_HAS(message_of([&] { FiniteRNN(p, 1, 0, 1); }, kParameter), "FiniteRNN: width and input_dim must be >= 1");
  const FiniteRNN net(p, 2, 4, 1);
  const SequenceSet x = two_series(3, 3);
  EXPECT_HAS(message_of([&] { net.output(x.view()[0]); }, kInput), "FiniteRNN: sequence has dimension 1, the network expects 2");
  FiniteRNN one(p, 1, 4, 1);
  EXPECT_HAS(message_of([&] { one.train(x.view(), Eigen::VectorXd::Ones(3), 0.1, 1); }, kInput),
             "FiniteRNN::train: one target per sequence");
  KernelParams steps;
  steps.readout = Readout::kSteps;
  EXPECT_HAS(message_of([&] { FiniteRNN(steps, 1, 4, 1).gradient(x.view()[0]); }, kParameter),
             "FiniteRNN::gradient: the per-step readout has one readout vector per step");
  EXPECT_HAS(message_of([&] { mean_empirical_kernels(p, x.view(), x.view(), 4, 0, 1, 1); }, kParameter),
             "mean_empirical_kernels: seeds must be >= 1");
}

TEST(Errors, LibsvmRejectsItsParameters) {
  Matrix k(2, 2);
  k(0, 0) = k(1, 1) = 1;
  EXPECT_HAS(message_of([&] { SvmClassifier::train(k, {0, 1}, {0, 1}, 0.0); }, kParameter), "libsvm: C <= 0");
}

// Only a processor without AVX-512 can show the message; elsewhere the request is honoured.
TEST(Errors, UnsupportedSimdIsNamed) {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")) {
    GTEST_SKIP() << "this processor has AVX-512";
  }
  Settings s;
  set_param(s, "simd", "avx512");
  const SequenceSet x = two_series(3, 3);
  EXPECT_HAS(message_of([&] { gram(x.view(), s); }, kParameter),
             "parameter simd = avx512 is not supported by this processor; use auto");
}

// ---------------------------------------------------------------------------------------------
// Model files

TEST(Errors, ModelFiles) {
  const auto load = [](const std::string& text) {
    std::istringstream in(text);
    Model::load(in, "m.json");
  };
  EXPECT_HAS(message_of([] { Model::load("/no/such/m.json"); }, kIo),
             "/no/such/m.json: cannot open for reading (missing file or no permission)");
  EXPECT_HAS(message_of([&] { load("{not json"); }, kInput), "m.json: not a JSON model file (");
  EXPECT_HAS(message_of([&] { load("{\"format\": \"other\"}"); }, kInput), "not an rntk model file (no ");
  EXPECT_HAS(message_of([&] { load("{\"format\": \"rntk-model\", \"version\": 99}"); }, kInput),
             "model format version 99 is newer than this rntk reads (1)");
  EXPECT_HAS(message_of([&] { load("{\"format\": \"rntk-model\", \"version\": 1}"); }, kInput), "m.json: malformed model file: ");
}

// Loads the model file `text` with its first `from` replaced by `to` (the edit must find `from`).
void load_edited(const std::string& text, const std::string& from, const std::string& to) {
  std::string t = text;
  const std::size_t at = t.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) t.replace(at, from.size(), to);
  std::istringstream in(t);
  Model::load(in, "m.json");
}

// A saved model, edited: each inconsistency is named.
TEST(Errors, InconsistentModelFiles) {
  Dataset train;
  train.sequences = two_series(3, 4);
  train.sequences.append(std::vector<double>{0.4, 0.5, 0.6});
  train.labels = {"a", "b", "a"};
  Settings ridge;
  set_param(ridge, "learner", "ridge");
  std::ostringstream saved;
  Model::fit(train, ridge).save(saved);
  const std::string text = saved.str();
  const auto edited = [&](const std::string& from, const std::string& to) { load_edited(text, from, to); };
  EXPECT_HAS(message_of([&] { edited("\"lengths\":[3,4,3]", "\"lengths\":[3,4,9]"); }, kInput),
             "support values are shorter than their lengths say");
  EXPECT_HAS(message_of([&] { edited("\"coefficients\":[[", "\"coefficients\":[[1],["); }, kInput),
             "ragged ridge coefficients");
  EXPECT_HAS(message_of([&] { edited("\"coefficients\":[[", "\"coefficients\":[[1,2],["); }, kInput),
             "ridge coefficients do not match the support sequences");
}

TEST(Errors, InconsistentSvmModelFiles) {
  Dataset train;
  train.sequences = two_series(3, 4);
  train.sequences.append(std::vector<double>{0.4, 0.5, 0.6});
  train.labels = {"a", "b", "a"};
  std::ostringstream saved;
  Model::fit(train, Settings{}).save(saved);
  const std::string text = saved.str();
  const auto edited = [&](const std::string& from, const std::string& to) { load_edited(text, from, to); };
  EXPECT_HAS(message_of([&] { edited("\"support_per_class\":[", "\"support_per_class\":5,\"x\":["); }, kInput),
             "svm support_per_class: expected an array of whole numbers, found 5");
  EXPECT_HAS(message_of([&] { edited("\"kernel_scale\":", "\"kernel_scale\":-1,\"x\":"); }, kInput),
             "svm kernel_scale must be positive and finite");
  EXPECT_HAS(message_of([&] { edited("\"task\":\"classification\"", "\"task\":\"regression\""); }, kInput),
             "an SVM model must have task = classification");
  EXPECT_HAS(message_of([&] { edited("\"lengths\":[", "\"lengths\":[],\"x\":["); }, kInput), "no support sequences");
}

TEST(Errors, NystromNeedsLandmarks) {
  Dataset train;
  train.sequences = two_series(3, 4);
  train.labels = {"a", "b"};
  EXPECT_HAS(message_of([&] { nystrom_select_and_fit(train, {Settings{}}, local_cluster(), {}); }, kParameter),
             "nystrom_select_and_fit: nystrom must be at least 1");
}

TEST(Errors, PredictionKernelsMustMatchTheModel) {
  Matrix k(2, 2);
  k(0, 0) = k(1, 1) = 1;
  const SvmClassifier svm = SvmClassifier::train(k, {0, 1}, {0, 1}, 1.0);
  EXPECT_HAS(message_of([&] { svm.predict(Matrix(1, 5)); }, kInput), "SVM prediction needs the kernel against its 2 support vectors, got 5 columns");
  const KernelRidge ridge = KernelRidge::fit(k, {0, 1}, Eigen::MatrixXd::Ones(2, 1), 1.0);
  EXPECT_HAS(message_of([&] { ridge.predict(Matrix(1, 3)); }, kInput),
             "kernel ridge prediction needs the kernel against its 2 training sequences, got 3 columns");
}

// ---------------------------------------------------------------------------------------------
// Output files and resources

// A file size limit (ulimit -f, in 512-byte blocks) makes writes fail as a full disk does; SIGXFSZ
// is ignored so that the write returns an error instead of killing the process.
TEST_F(ErrorsCli, FullDiskFailsTheWriteAndLeavesNothing) {
  std::ofstream big(path("big.tsv"));
  for (int i = 0; i < 200; ++i) big << i % 2 << "\t0.5\t-1\t0.25\n";
  big.close();
  const std::string limited = "sh -c \"trap '' XFSZ; ulimit -f 8; exec " + std::string(RNTK_CLI) + " gram " + path("big.tsv");
  CliRun r = shell(limited + " -o " + path("K.tsv") + "\"");
  EXPECT_EQ(r.status, 1);
  EXPECT_HAS(r.output, "K.tsv: write failed (disk full?)");
  r = shell(limited + " --out-of-core -o " + path("K.npy") + "\"");
  EXPECT_EQ(r.status, 1);
  EXPECT_HAS(r.output, "; disk full?)");
  EXPECT_HAS(r.output, ": write failed (File too large");
  EXPECT_EQ(files_with("K."), 0u);
}

TEST_F(ErrorsCli, OutputThatCannotBeRenamedIntoPlace) {
  fs::create_directories(dir_ / "K.npy" / "occupied");
  CliRun r = cli("gram " + path("x.tsv") + " -o " + path("K.npy"));
  EXPECT_EQ(r.status, 1);
  EXPECT_HAS(r.output, "K.npy: cannot rename the finished temporary file into place (Is a directory)");
  r = cli("gram " + path("x.tsv") + " --out-of-core -o " + path("K.npy"));
  EXPECT_EQ(r.status, 1);
  EXPECT_HAS(r.output, "K.npy: cannot rename the finished temporary file into place");
  EXPECT_EQ(files_with(".tmp"), 0u);
}

// Named as the in-memory output names it: the target, not the temporary written tile by tile.
TEST_F(ErrorsCli, OutOfCoreOutputInAMissingFolder) {
  const CliRun r = cli("gram " + path("x.tsv") + " --out-of-core -o " + path("no/K.npy"));
  EXPECT_EQ(r.status, 1);
  EXPECT_HAS(r.output, "rntk: error: " + path("no/K.npy") +
                           ": cannot write here (No such file or directory); check that the folder exists and is writable");
  EXPECT_EQ(r.output.find(".tmp"), std::string::npos) << r.output;
}

TEST(Errors, SharedFileThatCannotBeOpened) {
  const fs::path p = fs::temp_directory_path() / "rntk_errors_no_such_folder" / "K.npy";
  EXPECT_HAS(message_of([&] { local_cluster().open_shared(p.string(), true); }, kIo),
             "rntk_errors_no_such_folder/K.npy: cannot open for writing (No such file or directory)");
}

TEST(Errors, SharedFileReadPastItsEnd) {
  const fs::path p = fs::temp_directory_path() / "rntk_errors_shared.bin";
  {
    const auto file = local_cluster().open_shared(p.string(), true);
    double value = 0;
    EXPECT_HAS(message_of([&] { file->read_at(0, &value, sizeof value); }, kIo), "rntk_errors_shared.bin: read failed (");
  }
  fs::remove(p);
}

// Address space limited below what the matrix needs (ulimit -v, KiB): the allocation fails and
// the CLI names the cause. ASan reserves terabytes of address space, so not under it.
TEST_F(ErrorsCli, OutOfMemoryIsReported) {
#ifdef RNTK_TEST_SANITIZED
  GTEST_SKIP() << "a sanitizer needs more address space than the limit";
#endif
  std::ofstream many(path("many.tsv"));
  for (int i = 0; i < 12000; ++i) many << i % 2 << "\t0.5\t-1\n";
  many.close();
  const CliRun r = shell("sh -c \"ulimit -v 800000; exec " + std::string(RNTK_CLI) + " gram " + path("many.tsv") +
                         " --threads 1 -o " + path("K.npy") + "\"");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_HAS(r.output, "error: out of memory (the Gram matrix needs rows x columns x 8 bytes per kernel; see --memory-budget)");
  EXPECT_EQ(files_with("K."), 0u);
}

// ---------------------------------------------------------------------------------------------
// Numerics

TEST(Errors, BaselineKernelOverflow) {
  const SequenceSet x = two_series(3, 3);
  Settings s;
  set_param(s, "kernel", "poly");
  set_param(s, "gamma", "1e300");
  set_param(s, "degree", "3");
  set_param(s, "cosine", "false");
  EXPECT_HAS(message_of([&] { kernel_matrices({s}, x.view(), nullptr, 3); }, kNumeric),
             "poly kernel value is not finite; lower gamma, degree or coef0, or use cosine normalisation");
}

// K + alpha I = [[0, 1], [1, 0]] (a negative trace adds alpha itself): no Cholesky factor, and
// no usable LDL^T pivot.
TEST(Errors, SingularRidgeSystem) {
  Matrix k(2, 2);
  k(0, 0) = k(1, 1) = -1e-3;
  k(0, 1) = k(1, 0) = 1;
  EXPECT_HAS(message_of([&] { KernelRidge::fit(k, {0, 1}, Eigen::MatrixXd::Ones(2, 1), 1e-3); }, kNumeric),
             "kernel ridge: K + alpha I is singular; increase alpha (now ");
}

// ---------------------------------------------------------------------------------------------
// The catalogue itself.

const fs::path kSource = RNTK_SOURCE_DIR;

struct Entry {
  std::string heading;
  std::string test;      // "Suite.Name" or "python/tests/file.py::name"
  std::string fragment;  // what the test asserts, verbatim in the sources
};

std::vector<Entry> catalogue_entries() {
  std::vector<Entry> entries;
  std::istringstream doc(read_text(kSource / "docs" / "ERRORS.md"));
  std::string line, heading;
  const std::regex test_line(R"(^- \*\*Test:\*\* `([^`]+)` asserts `([^`]+)`)");
  std::smatch m;
  while (std::getline(doc, line)) {
    if (line.rfind("### ", 0) == 0) heading = line.substr(4);
    if (std::regex_search(line, m, test_line)) entries.push_back({heading, m[1], m[2]});
  }
  return entries;
}

// The text of a test: a GoogleTest body up to the next test, or a pytest function with its
// decorators; with the file's helpers (before the first test), where shared assertions live.
std::string test_text(const std::string& name) {
  const std::size_t py = name.find("::");
  if (py != std::string::npos) {
    const std::string text = read_text(kSource / name.substr(0, py));
    const std::size_t at = text.find("\ndef " + name.substr(py + 2) + "(");
    if (at == std::string::npos) return "";
    const std::size_t begin = text.rfind("\n\n\n", at);
    return text.substr(begin == std::string::npos ? 0 : begin, text.find("\n\n\n", at) - begin);
  }
  const std::string suite = name.substr(0, name.find('.')), test = name.substr(name.find('.') + 1);
  const std::regex start("TEST(_F|_P)?\\(" + suite + ", " + test + "\\)");
  for (const auto& file : fs::directory_iterator(kSource / "tests")) {
    if (file.path().extension() != ".cpp") continue;
    const std::string text = read_text(file.path());
    std::smatch m;
    if (!std::regex_search(text, m, start)) continue;
    const std::size_t begin = static_cast<std::size_t>(m.position(0));
    const std::size_t end = text.find("\nTEST", begin + 1);
    const std::size_t first_test = text.find("\nTEST");
    return text.substr(0, first_test) + text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
  }
  return "";
}

// Every C++ source a user-facing message can come from, and the Python module's.
std::string all_sources() {
  std::string all;
  for (const char* folder : {"src", "cli", "include", "python"}) {
    for (const auto& f : fs::recursive_directory_iterator(kSource / folder)) {
      const std::string ext = f.path().extension().string();
      if (ext == ".cpp" || ext == ".hpp") all += read_text(f.path());
    }
  }
  return all;
}

TEST(ErrorCatalogue, EveryEntryNamesATestThatAssertsItsMessage) {
  const std::vector<Entry> entries = catalogue_entries();
  ASSERT_GT(entries.size(), 50u) << "docs/ERRORS.md lost its entries";
  const std::string sources = all_sources();
  for (const Entry& e : entries) {
    const std::string body = test_text(e.test);
    EXPECT_FALSE(body.empty()) << e.heading << ": no test " << e.test;
    EXPECT_NE(body.find(e.fragment), std::string::npos) << e.heading << ": " << e.test << " does not assert '" << e.fragment << "'";
    EXPECT_NE(sources.find(e.fragment), std::string::npos) << e.heading << ": no source has '" << e.fragment << "'";
  }
}

// Each throw in the sources, with the literal pieces of its message: the longest piece must be in
// the catalogue, so that a new or reworded message fails here until it is catalogued.
TEST(ErrorCatalogue, EveryThrownMessageIsCatalogued) {
  const std::string doc = read_text(kSource / "docs" / "ERRORS.md");
  const std::regex thrower(R"(\b(input_error|parameter_error|io_error|numeric_error)\(|Error\(Error::Kind::\w+,)");
  std::size_t checked = 0;
  for (const char* folder : {"src", "cli", "python"}) {
    for (const auto& f : fs::recursive_directory_iterator(kSource / folder)) {
      if (f.path().extension() != ".cpp") continue;
      const std::string text = read_text(f.path());
      for (auto it = std::sregex_iterator(text.begin(), text.end(), thrower); it != std::sregex_iterator(); ++it) {
        // The call's string literals, up to its closing parenthesis.
        std::string longest;
        int depth = 1;
        for (std::size_t i = static_cast<std::size_t>(it->position(0) + it->length(0)); i < text.size() && depth > 0; ++i) {
          if (text[i] == '"') {
            std::size_t j = i + 1;
            while (text[j] != '"') j += text[j] == '\\' ? 2 : 1;
            std::string piece = text.substr(i + 1, j - i - 1);
            piece.erase(0, piece.find_first_not_of(" :;,("));
            piece.erase(piece.find_last_not_of(" :;,(") + 1);
            if (piece.size() > longest.size()) longest = piece;
            i = j;
          } else {
            depth += text[i] == '(' ? 1 : text[i] == ')' ? -1 : 0;
          }
        }
        if (longest.size() < 4) continue;  // a message made elsewhere (overflow_message, a rethrow)
        ++checked;
        std::string unescaped = std::regex_replace(longest, std::regex(R"(\\")"), "\"");
        EXPECT_NE(doc.find(unescaped), std::string::npos)
            << f.path().lexically_relative(kSource).string() << ": '" << unescaped << "' is not in docs/ERRORS.md";
      }
    }
  }
  EXPECT_GT(checked, 80u);
}

}  // namespace
}  // namespace rntk
