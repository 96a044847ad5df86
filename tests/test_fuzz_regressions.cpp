// Inputs the fuzzers (fuzz/, docs/RELIABILITY.md) found to break a reader or parser, kept in
// tests/data/fuzz/<harness>/ and checked here for the exact outcome of the fix: each now gives a
// clean rntk::Error of the right kind that names the input and where in it the problem is. fuzz/run.sh
// also starts each harness from these files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "rntk/error.hpp"
#include "rntk/io.hpp"
#include "rntk/model.hpp"
#include "rntk/selection.hpp"

namespace rntk {
namespace {

namespace fs = std::filesystem;
const fs::path kInputs = fs::path(RNTK_SOURCE_DIR) / "tests" / "data" / "fuzz";

// Every input a test below reads, so that an input added without a test fails EveryInputHasATest.
const std::set<std::string> kTested{
    "csv/plus_then_minus.csv",        "ts/dimensions_1e308.ts",         "ts/interpolate_to_1e308.ts",
    "model/unknown_setting.json",     "model/support_dim_0.json",       "model/svm_count_2e37.json",
    "model/svm_label_7_of_3.json",    "model/ridge_2_columns_1_class.json", "model/flat_length_0.json",
    "grid/unknown_name.txt",          "grid/gamma_inf.txt",
};

std::string input(const std::string& relative) {
  EXPECT_TRUE(kTested.count(relative)) << relative << " is missing from kTested";
  std::ifstream in(kInputs / relative, std::ios::binary);
  EXPECT_TRUE(in) << "cannot read " << (kInputs / relative);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The error `f` throws; a test fails when it throws none.
Error error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no error";
  return Error(Error::Kind::kIo, "(no error)");
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

TEST(FuzzRegressions, EveryInputHasATest) {
  std::set<std::string> found;
  for (const auto& entry : fs::recursive_directory_iterator(kInputs)) {
    if (entry.is_regular_file()) found.insert(fs::relative(entry.path(), kInputs).generic_string());
  }
  EXPECT_EQ(found, kTested);
}

// The reader skipped a leading '+' and then read "-1": "+-1" was accepted as -1.
TEST(FuzzRegressions, PlusThenMinusIsNotANumber) {
  const std::string text = input("csv/plus_then_minus.csv");
  const Error e = error_of([&] { parse_sequences(text, "plus_then_minus.csv", {SequenceFormat::kAuto, true}); });
  EXPECT_EQ(e.kind(), Error::Kind::kInput);
  EXPECT_STREQ(e.what(), "plus_then_minus.csv:2:4: expected a number or NaN in field 2, found '+-1'");
  // One '+' is still a sign; a second sign after it is not.
  EXPECT_EQ(parse_sequences("+1,-1,+0.5,+1e1\n", "a.csv").sequences.values(), (std::vector<double>{1, -1, 0.5, 10}));
  EXPECT_STREQ(error_of([] { parse_sequences("1,++1\n", "a.csv"); }).what(),
               "a.csv:1:3: expected a number or NaN in field 2, found '++1'");
  EXPECT_STREQ(error_of([] { parse_sequences("1\t+\n", "a.tsv"); }).what(),
               "a.tsv:1:3: expected a number or NaN in field 2, found '+'");
}

// "@dimensions 1e308" was converted to size_t before its range was checked: undefined behaviour.
TEST(FuzzRegressions, HugeTsDimensionsAreRefusedBeforeConversion) {
  const std::string text = input("ts/dimensions_1e308.ts");
  const Error e = error_of([&] { parse_sequences(text, "dimensions_1e308.ts"); });
  EXPECT_EQ(e.kind(), Error::Kind::kInput);
  EXPECT_STREQ(e.what(), "dimensions_1e308.ts:4:17: expected a positive whole number of dimensions, found '1e308'");
  EXPECT_STREQ(error_of([] { parse_sequences("@dimensions 2.5\n@data\n1:2\n", "b.ts"); }).what(),
               "b.ts:1:13: expected a positive whole number of dimensions, found '2.5'");
  EXPECT_EQ(parse_sequences("@dimensions 2\n@data\n1,2:3,4\n", "b.ts").sequences.dim(), 2u);
}

// Interpolating from 3 to 1e308 computed (1e308 - 3) * 4, which overflowed to inf.
TEST(FuzzRegressions, InterpolationNearTheDoubleLimitStaysFinite) {
  const std::string text = input("ts/interpolate_to_1e308.ts");
  const Dataset d = parse_sequences(text, "interpolate_to_1e308.ts", {.interpolate_missing = true});
  ASSERT_EQ(d.sequences.size(), 1u);
  const std::vector<double>& v = d.sequences.values();
  ASSERT_EQ(v.size(), 10u);
  EXPECT_EQ(v[2], 2.0);  // between 2 and 2
  for (std::size_t k = 1; k <= 4; ++k) EXPECT_DOUBLE_EQ(v[4 + k], 3 + (1e308 / 5) * static_cast<double>(k)) << k;
  EXPECT_EQ(v[9], 1e308);
  // The whole range: from the lowest double to the highest, the middle is 0.
  const Dataset wide = parse_sequences("1,-1.7e308,?,1.7e308\n", "w.csv", {SequenceFormat::kAuto, true, true});
  EXPECT_EQ(wide.sequences.values(), (std::vector<double>{-1.7e308, 0.0, 1.7e308}));
}

// A model file whose settings have an unknown name: the error did not name the file.
TEST(FuzzRegressions, BadModelSettingNamesTheFile) {
  const std::string text = input("model/unknown_setting.json");
  const Error e = error_of([&] {
    std::istringstream in(text);
    Model::load(in, "unknown_setting.json");
  });
  EXPECT_EQ(e.kind(), Error::Kind::kParameter);
  EXPECT_TRUE(starts_with(e.what(), "unknown_setting.json: unknown parameter 'sygma_u'; known parameters: sigma_w,"))
      << e.what();
}

// Support sequences of dimension 0 reached a division by zero in SequenceSet::append.
TEST(FuzzRegressions, ModelWithZeroDimensionalSupportIsRefused) {
  const std::string text = input("model/support_dim_0.json");
  const Error e = error_of([&] {
    std::istringstream in(text);
    Model::load(in, "support_dim_0.json");
  });
  EXPECT_EQ(e.kind(), Error::Kind::kInput);
  EXPECT_STREQ(e.what(), "support_dim_0.json: support sequences of dimension 0 (a series has at least one channel)");
}

Error load_error(const std::string& file) {
  const std::string text = input("model/" + file);
  return error_of([&] {
    std::istringstream in(text);
    Model::load(in, file);
  });
}

// A count of 2.7e37 support vectors went through nlohmann::json's unchecked cast to int (undefined).
TEST(FuzzRegressions, ModelWholeNumbersAreRangeChecked) {
  const Error e = load_error("svm_count_2e37.json");
  EXPECT_EQ(e.kind(), Error::Kind::kInput);
  EXPECT_TRUE(starts_with(e.what(), "svm_count_2e37.json: svm support_per_class: expected a whole number in "
                                    "[-2147483648, 2147483647], found 2.66666666666666")) << e.what();
}

// flat_length 0 made predict flatten series to vectors of no steps: division by zero.
TEST(FuzzRegressions, ModelFlatLengthIsAtLeastOne) {
  const Error e = load_error("flat_length_0.json");
  EXPECT_EQ(e.kind(), Error::Kind::kInput);
  EXPECT_STREQ(e.what(), "flat_length_0.json: flat_length must be at least 1 (the longest training series)");
}

// Found reading the loader after the fuzz findings: an SVM class label beyond the model's classes,
// or more ridge output columns than classes, made predict index past the end of the classes.
TEST(FuzzRegressions, ModelLearnersMustFitTheirClasses) {
  const Error svm = load_error("svm_label_7_of_3.json");
  EXPECT_EQ(svm.kind(), Error::Kind::kInput);
  EXPECT_TRUE(starts_with(svm.what(), "svm_label_7_of_3.json: the SVM state does not match its ")) << svm.what();
  EXPECT_NE(std::string(svm.what()).find(" support sequences and 3 classes"), std::string::npos) << svm.what();
  const Error ridge = load_error("ridge_2_columns_1_class.json");
  EXPECT_EQ(ridge.kind(), Error::Kind::kInput);
  EXPECT_STREQ(ridge.what(), "ridge_2_columns_1_class.json: ridge coefficients have 2 columns, the model needs 1 "
                             "(one per class, or one for regression)");
}

// An unknown parameter name in a grid file: the error did not name the file and line.
TEST(FuzzRegressions, GridErrorsNameFileAndLine) {
  const std::string text = input("grid/unknown_name.txt");
  const Error e = error_of([&] { parse_grid(text, "unknown_name.txt"); });
  EXPECT_EQ(e.kind(), Error::Kind::kParameter);
  EXPECT_TRUE(starts_with(e.what(), "unknown_name.txt:1: unknown parameter 'layer\xfc")) << e.what();
  EXPECT_STREQ(error_of([] { parse_grid("C = 1\n\nsigma_w = 1, -2", "g.txt"); }).what(),
               "g.txt:3: parameter sigma_w = -2 is out of range: allowed [0, 100]");
  EXPECT_STREQ(error_of([] { parse_grid("C = 1; C = 2", "g.txt"); }).what(), "g.txt:1: C is given twice");
}

// "gamma = inf" was accepted (gamma's range is open above) and made the RBF kernel NaN.
TEST(FuzzRegressions, InfiniteParameterValuesAreRefused) {
  const std::string text = input("grid/gamma_inf.txt");
  const Error e = error_of([&] { parse_grid(text, "gamma_inf.txt"); });
  EXPECT_EQ(e.kind(), Error::Kind::kParameter);
  EXPECT_STREQ(e.what(), "gamma_inf.txt:1: parameter gamma = inf is not a finite number: allowed finite values >= 0");
  Settings s;
  EXPECT_STREQ(error_of([&] { set_param(s, "coef0", "-inf"); }).what(),
               "parameter coef0 = -inf is not a finite number: allowed finite values >= 0");
  EXPECT_STREQ(error_of([&] { set_param(s, "sigma_w", "nan"); }).what(),
               "parameter sigma_w = nan is not a finite number: allowed [0, 100]");
  set_param(s, "gamma", "1e300");  // large but finite stays allowed
  EXPECT_EQ(s.model.gamma, 1e300);
}

}  // namespace
}  // namespace rntk
