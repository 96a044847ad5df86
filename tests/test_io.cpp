// Readers and writers: formats, variable lengths, error locations, real archive files.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "rntk/error.hpp"
#include "rntk/io.hpp"

namespace rntk {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Readers, UcrTsvTrimsTrailingNaNPadding) {
  const Dataset d = parse_sequences("1\t0.5\t-1\t2e-1\n2\t3\tNaN\tNaN\n\n-1\t+4\t5\t6\n", "a.tsv");
  ASSERT_EQ(d.sequences.size(), 3u);
  EXPECT_EQ(d.sequences.dim(), 1u);
  EXPECT_EQ(d.labels, (std::vector<std::string>{"1", "2", "-1"}));
  EXPECT_EQ(d.sequences.view().length(0), 3u);
  EXPECT_EQ(d.sequences.view().length(1), 1u);
  EXPECT_EQ(d.sequences.values(), (std::vector<double>{0.5, -1, 0.2, 3, 4, 5, 6}));
}

TEST(Readers, CsvWithoutAndWithLabels) {
  const Dataset plain = parse_sequences("1,2,3\r\n4,5,,\n", "b.csv");
  EXPECT_TRUE(plain.labels.empty());
  EXPECT_EQ(plain.sequences.values(), (std::vector<double>{1, 2, 3, 4, 5}));
  const Dataset labelled = parse_sequences("a,1,2\nb,3\n", "b.csv", {SequenceFormat::kAuto, true});
  EXPECT_EQ(labelled.labels, (std::vector<std::string>{"a", "b"}));
}

TEST(Readers, MissingValuesInsideASeriesCanBeInterpolated) {
  const Dataset d = parse_sequences("1\tNaN\t2\tNaN\tNaN\t5\tNaN\n", "a.tsv", {.interpolate_missing = true});
  EXPECT_EQ(d.sequences.values(), (std::vector<double>{2, 2, 3, 4, 5}));
}

TEST(Readers, TsIsMultivariateStepMajorWithVariableLengths) {
  const std::string text =
      "# comment\n@problemName X\n@timeStamps false\n@dimensions 2\n@classLabel true up down\n@data\n"
      "1,2,3:4,5,6:up\n7,8,?:9,10,?:down\n";
  const Dataset d = parse_sequences(text, "c.ts");
  ASSERT_EQ(d.sequences.size(), 2u);
  EXPECT_EQ(d.sequences.dim(), 2u);
  EXPECT_EQ(d.labels, (std::vector<std::string>{"up", "down"}));
  EXPECT_EQ(d.sequences.values(), (std::vector<double>{1, 4, 2, 5, 3, 6, 7, 9, 8, 10}));
  EXPECT_EQ(d.sequences.view().length(1), 2u);
}

TEST(Readers, ErrorsNameFileLineAndColumn) {
  EXPECT_EQ(error_of([] { parse_sequences("1\t0.5\n2\t0.5\tabc\t1\n", "d.tsv"); }),
            "d.tsv:2:7: expected a number or NaN in field 3, found 'abc'");
  EXPECT_EQ(error_of([] { parse_sequences("1\t0.5\tNaN\t0.25\n", "d.tsv"); }),
            "d.tsv:1:7: missing value (NaN) inside the series in field 3, followed by a number in "
            "field 4; only trailing NaN padding may mark a shorter series (interpolate missing "
            "values, e.g. with --missing interpolate, or cut the series)");
  EXPECT_EQ(error_of([] { parse_sequences("1\t1\n7\tNaN\tNaN\n", "d.tsv"); }),
            "d.tsv:2: the series is empty (a label and no values)");
  EXPECT_EQ(error_of([] { parse_sequences("1,1e999\n", "d.csv"); }),
            "d.csv:1:3: expected a finite number or NaN in field 2, found '1e999'");
  EXPECT_EQ(error_of([] { parse_sequences("@data\n1,2:3,x\n", "e.ts"); }),
            "e.ts:2:7: expected a number or NaN in channel 2, value 2, found 'x'");
  EXPECT_EQ(error_of([] { parse_sequences("@classLabel true a b\n@data\n1,2:3,4:a\n1,2:3,4:5,6:b\n", "e.ts"); }),
            "e.ts:4: this case has 3 channels but the case on line 3 has 2; every case must have "
            "the same number of channels");
  EXPECT_EQ(error_of([] { parse_sequences("@classLabel true a\n@data\n1,2:3:a\n", "e.ts"); }),
            "e.ts:3:5: channel 2 has 1 values but channel 1 has 2; every channel of a case must have "
            "the same length");
  EXPECT_EQ(error_of([] { parse_sequences("", "f.csv"); }),
            "f.csv: no series found (the file is empty)");
  EXPECT_EQ(error_of([] { read_sequences("/no/such/file.tsv"); }),
            "/no/such/file.tsv: cannot open for reading (missing file or no permission)");
}

TEST(Writers, TsvAndLibsvmRoundTripExactly) {
  Matrix k(2, 3);
  k(0, 0) = 0.1;
  k(0, 1) = 1.0 / 3.0;
  k(0, 2) = -2.5e-300;
  k(1, 0) = 7;
  std::ostringstream tsv;
  write_matrix(tsv, k, MatrixFormat::kTsv);
  EXPECT_EQ(tsv.str(), "0.1\t0.3333333333333333\t-2.5e-300\n7\t0\t0\n");
  std::ostringstream svm;
  write_matrix(svm, k, MatrixFormat::kLibsvm, {"cat", "dog"});
  EXPECT_EQ(svm.str(), "1 0:1 1:0.1 2:0.3333333333333333 3:-2.5e-300\n2 0:2 1:7 2:0 3:0\n");
  EXPECT_EQ(libsvm_labels({"-1", "2.5"}, 2), (std::vector<std::string>{"-1", "2.5"}));
  EXPECT_EQ(libsvm_labels({}, 2), (std::vector<std::string>{"0", "0"}));
}

TEST(Writers, NpyHeaderIsAlignedVersionOne) {
  Matrix k(3, 2);
  std::ostringstream out;
  write_matrix(out, k, MatrixFormat::kNpy);
  const std::string s = out.str();
  ASSERT_EQ(s.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  const std::size_t header = static_cast<unsigned char>(s[8]) + 256u * static_cast<unsigned char>(s[9]);
  EXPECT_EQ((10 + header) % 64, 0u);
  EXPECT_NE(s.find("'shape': (3, 2)"), std::string::npos);
  EXPECT_EQ(s.size(), 10 + header + 6 * sizeof(double));
}

TEST(AtomicFile, NothingAppearsUnderTheTargetUntilCommit) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "rntk_atomic_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string target = (dir / "out.tsv").string();
  {
    AtomicFile f(target);
    f.stream() << "partial";
    EXPECT_FALSE(std::filesystem::exists(target));
  }  // abandoned: the temporary is removed
  EXPECT_TRUE(std::filesystem::is_empty(dir));
  {
    AtomicFile f(target);
    f.stream() << "done\n";
    f.commit();
  }
  EXPECT_TRUE(std::filesystem::exists(target));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), {}), 1);
  EXPECT_NE(error_of([&] { AtomicFile f((dir / "missing" / "x.npy").string()); }).find("cannot write here"),
            std::string::npos);
  std::filesystem::remove_all(dir);
}

// The archives in ../shared/data: a fixed-length UCR set, a variable-length one, a variable-length
// multivariate UEA set.
const std::filesystem::path kData = std::filesystem::path(RNTK_SOURCE_DIR) / ".." / "shared" / "data";

TEST(RealData, ArchiveFilesReadWithTheirDocumentedShapes) {
  if (!std::filesystem::exists(kData)) GTEST_SKIP() << "no " << kData;
  const Dataset gunpoint = read_sequences((kData / "ucr/GunPoint/GunPoint_TRAIN.tsv").string());
  EXPECT_EQ(gunpoint.sequences.size(), 50u);
  EXPECT_EQ(gunpoint.sequences.view().max_length(), 150u);
  EXPECT_EQ(gunpoint.sequences.view().total_steps(), 50u * 150u);

  const Dataset pebble = read_sequences((kData / "ucr/GesturePebbleZ1/GesturePebbleZ1_TRAIN.tsv").string());
  EXPECT_EQ(pebble.sequences.size(), 132u);
  EXPECT_EQ(pebble.sequences.view().max_length(), 455u);
  std::size_t shortest = 1000;
  for (std::size_t i = 0; i < pebble.sequences.size(); ++i) shortest = std::min(shortest, pebble.sequences.view().length(i));
  EXPECT_LT(shortest, 455u);

  const Dataset vowels = read_sequences((kData / "uea/JapaneseVowels/JapaneseVowels_TRAIN.ts").string());
  EXPECT_EQ(vowels.sequences.size(), 270u);
  EXPECT_EQ(vowels.sequences.dim(), 12u);
  EXPECT_LE(vowels.sequences.view().max_length(), 29u);
  EXPECT_EQ(vowels.labels.front(), "1");
}

}  // namespace
}  // namespace rntk
