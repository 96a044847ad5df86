// The rntk executable: bad input gives a message naming the file and line (or the parameter and
// its range), a non-zero exit and no output file; good input gives files NumPy reads.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "rntk/params.hpp"

namespace rntk {
namespace {

namespace fs = std::filesystem;

struct CliRun {
  int status;
  std::string output;  // stdout and stderr together
};

CliRun run(const std::string& args) {
  const std::string command = std::string(RNTK_CLI) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  std::string output;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rntk_cli_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string file(const std::string& name, const std::string& content) const {
    const fs::path p = dir_ / name;
    std::ofstream(p) << content;
    return p.string();
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  // Only the inputs are left: no output, no temporary.
  std::size_t files() const { return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir_), {})); }

  // A failing `rntk gram` run: non-zero exit, the expected text in the message, nothing written.
  void expect_failure(const std::string& args, const std::string& message, int status = 1) {
    const std::size_t before = files();
    const CliRun r = run("gram " + args);
    EXPECT_EQ(r.status, status) << r.output;
    EXPECT_NE(r.output.find(message), std::string::npos) << r.output;
    EXPECT_EQ(files(), before) << "an output or temporary file was left behind";
  }

  fs::path dir_;
};

const char* kGood = "1\t0.5\t-1\t0.25\n2\t1.5\t0.5\tNaN\n1\t-0.5\t0.75\t1\n";

TEST_F(Cli, MalformedNumberNamesFileLineAndColumn) {
  const std::string in = file("bad.tsv", "1\t0.5\t0.1\n2\t0.3\tx7\n");
  expect_failure(in + " -o " + path("K.npy"), in + ":2:7: expected a number or NaN in field 3, found 'x7'");
}

TEST_F(Cli, NaNInsideASeriesIsRejected) {
  const std::string in = file("gap.tsv", "1\t0.5\tNaN\t0.1\n");
  expect_failure(in + " -o " + path("K.npy"), in + ":1:7: missing value (NaN) inside the series in field 3");
}

TEST_F(Cli, EmptySeriesIsRejected) {
  const std::string in = file("empty.tsv", "1\t0.5\n2\tNaN\n");
  expect_failure(in + " -o " + path("K.npy"), in + ":2: the series is empty");
}

TEST_F(Cli, RowsOfDifferentDimensionAreRejected) {
  const std::string in = file("dims.ts", "@data\n1,2:3,4\n1,2:3,4:5,6\n");
  expect_failure(in + " -o " + path("K.npy"), in + ":3: this case has 3 channels but the case on line 2 has 2");
  const std::string x = file("x.ts", "@data\n1,2:3,4\n");
  const std::string y = file("y.csv", "1,2\n");
  expect_failure(x + " " + y + " -o " + path("K.npy"),
                 x + " has sequences of dimension 2 but " + y + " has dimension 1; both sets must have the same number of channels");
}

TEST_F(Cli, NegativeSigmaNamesTheParameterAndRange) {
  const std::string in = file("good.tsv", kGood);
  expect_failure(in + " --sigma-w=-1 -o " + path("K.npy"),
                 "parameter sigma_w = -1 is out of range: allowed [0, 100]", 2);
  expect_failure(in + " --sb -0.5 -o " + path("K.npy"),
                 "parameter sigma_b = -0.5 is out of range: allowed [0, 1000]", 2);
}

TEST_F(Cli, ZeroLayersNamesTheParameterAndRange) {
  const std::string in = file("good.tsv", kGood);
  expect_failure(in + " -L 0 -o " + path("K.npy"), "parameter layers = 0 is out of range: allowed integers in [1, 1000]", 2);
  expect_failure(in + " --layers 1.5 -o " + path("K.npy"), "parameter layers = 1.5 is out of range", 2);
  expect_failure(in + " --activation softsign -o " + path("K.npy"),
                 "parameter activation = 'softsign' is not allowed: choose one of relu|erf|identity|leaky_relu|tanh|sigmoid|gelu|custom", 2);
}

TEST_F(Cli, MissingFileIsNamed) {
  expect_failure(path("nope.tsv") + " -o " + path("K.npy"), path("nope.tsv") + ": cannot open for reading");
}

TEST_F(Cli, UnwritableOutputFailsBeforeWorkAndLeavesNothing) {
  const std::string in = file("good.tsv", kGood);
  expect_failure(in + " -o " + path("no/such/dir/K.npy"), path("no/such/dir/K.npy") + ": cannot write here");
  // A failure after the output was opened removes the temporary and leaves an old target alone.
  const std::string old = file("K.tsv", "old\n");
  const std::string bad = file("bad.tsv", "1\tzz\n");
  expect_failure(bad + " -o " + old, bad + ":1:3:");
  std::ifstream kept(old);
  std::string content;
  std::getline(kept, content);
  EXPECT_EQ(content, "old");
}

TEST_F(Cli, NpyOutputIsWhatNumpyLoadsAndMatchesTsv) {
  const std::string in = file("good.tsv", kGood);
  const CliRun r = run("gram " + in + " --kernel both -o " + path("K.npy") + " -L 2 --activation erf");
  ASSERT_EQ(r.status, 0) << r.output;
  ASSERT_EQ(run("gram " + in + " --kernel both -o " + path("K.tsv") + " -L 2 --activation erf").status, 0);
  const std::string check =
      "/usr/bin/python3 -c \"import numpy as np, sys; d=sys.argv[1]; "
      "ok=all(np.array_equal(np.load(d+'/K.'+k+'.npy'), np.loadtxt(d+'/K.'+k+'.tsv', ndmin=2)) "
      "and np.load(d+'/K.'+k+'.npy').shape==(3,3) for k in ('ntk','nngp')); sys.exit(0 if ok else 1)\" " +
      dir_.string();
  EXPECT_EQ(std::system(check.c_str()), 0) << "numpy.load disagrees with the TSV output";
}

TEST_F(Cli, SeveralDepthsInOneRunEqualSeparateRuns) {
  const std::string in = file("good.tsv", kGood);
  ASSERT_EQ(run("gram " + in + " --layers 1,3 --kernel nngp -q -o " + path("K.tsv")).status, 0);
  ASSERT_EQ(run("gram " + in + " -L 1 --kernel nngp -q -o " + path("one.tsv")).status, 0);
  ASSERT_EQ(run("gram " + in + " -L 3 --kernel nngp -q -o " + path("three.tsv")).status, 0);
  auto read = [&](const std::string& name) {
    std::ifstream f(path(name));
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
  };
  EXPECT_EQ(read("K.L1.tsv"), read("one.tsv"));
  EXPECT_EQ(read("K.L3.tsv"), read("three.tsv"));
  EXPECT_NE(read("K.L1.tsv"), read("K.L3.tsv"));
}

TEST_F(Cli, MemoryBudgetRefusesBeforeWorkOrWritesTileByTile) {
  const std::string in = file("good.tsv", kGood);
  expect_failure(in + " -o " + path("K.npy") + " --memory-budget 1K",
                 "--memory-budget 1K is too small: this computation needs about", 2);
  expect_failure(in + " -o " + path("K.tsv") + " --out-of-core", "need an .npy output written tile by tile", 2);
  expect_failure(in + " -o " + path("K.npy") + " --memory-budget lots", "--memory-budget = 'lots' is not a size", 2);
  // Tile by tile (what a budget below the whole matrices' size chooses): the same bytes.
  ASSERT_EQ(run("gram " + in + " --kernel both -o " + path("whole.npy")).status, 0);
  const CliRun r = run("gram " + in + " --kernel both --out-of-core -o " + path("tiles.npy"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("written tile by tile"), std::string::npos) << r.output;
  auto read = [&](const std::string& name) {
    std::ifstream f(path(name), std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
  };
  EXPECT_EQ(read("whole.ntk.npy"), read("tiles.ntk.npy"));
  EXPECT_EQ(read("whole.nngp.npy"), read("tiles.nngp.npy"));
}

TEST_F(Cli, CrossGramInLibsvmFormatHasRowLabelsAndSerials) {
  const std::string x = file("x.tsv", "3\t1\t2\n-1\t0.5\t0.5\t1\n");
  const std::string y = file("y.tsv", kGood);
  const CliRun r = run("gram " + x + " " + y + " --format libsvm -q");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output.substr(0, 6), "3 0:1 ");
  EXPECT_NE(r.output.find("\n-1 0:2 1:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(" 3:"), std::string::npos);
  EXPECT_EQ(r.output.find(" 4:"), std::string::npos) << "three columns only";
}

TEST_F(Cli, HelpListsEveryParameterWithDefaultAndRange) {
  // `rntk --help` and every training command list all parameters; `gram` those of the kernel and
  // the engine.
  for (const std::string cmd : {"--help", "gram --help", "classify --help", "fit --help", "ucr --help"}) {
    const CliRun r = run(cmd);
    EXPECT_EQ(r.status, 0);
    for (const ParamSpec& s : param_specs()) {
      if (cmd == "gram --help" && s.group == ParamSpec::Group::kModel) continue;
      EXPECT_NE(r.output.find(s.help.substr(0, 40)), std::string::npos) << cmd << " lacks " << s.name;
      EXPECT_NE(r.output.find("(default " + s.format(s.default_value) + ", allowed " + s.range_text() + ")"),
                std::string::npos)
          << cmd << " lacks the default and range of " << s.name;
    }
  }
}

// Switches show their values, not REAL; ranges open above say that values must still be finite;
// options outside the registry state their default too.
TEST_F(Cli, HelpShowsSwitchValuesFiniteRangesAndTheMemoryBudgetDefault) {
  const CliRun r = run("gram --help");
  EXPECT_NE(r.output.find("--bidirectional true|false"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("--bidirectional REAL"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("the size it needs (default: no bound)"), std::string::npos) << r.output;
  const CliRun c = run("classify --help");
  EXPECT_NE(c.output.find("(default 1, allowed finite values >= 0)"), std::string::npos) << c.output;
  EXPECT_EQ(c.output.find("inf]"), std::string::npos) << c.output;
}

TEST_F(Cli, ParametersPageIsGeneratedFromTheRegistry) {
  std::ifstream doc(fs::path(RNTK_SOURCE_DIR) / "docs" / "PARAMETERS.md");
  std::stringstream content;
  content << doc.rdbuf();
  EXPECT_NE(content.str().find(params_markdown()), std::string::npos)
      << "docs/PARAMETERS.md is out of date: regenerate its table with `rntk params --markdown`";
}

TEST_F(Cli, DemoRunsOnBuiltInDataAndSeparatesClasses) {
  const CliRun r = run("demo");
  ASSERT_EQ(r.status, 0) << r.output;
  // Three frequencies: the RNTK family's test accuracy is far above chance (1/3).
  const std::size_t at = r.output.find("\nrntk ");
  ASSERT_NE(at, std::string::npos) << r.output;
  double cv = 0, test = 0;
  ASSERT_EQ(std::sscanf(r.output.c_str() + at + 5, "%lf %lf", &cv, &test), 2) << r.output;
  EXPECT_GT(test, 0.8) << r.output;
}

// A small labelled fixture: two classes of different shapes, lengths 6 to 12.
std::string fixture(int n, int seed) {
  std::string text;
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> length(6, 12);
  std::normal_distribution<double> noise(0.0, 0.1);
  for (int i = 0; i < n; ++i) {
    const int c = i % 2, T = length(rng);
    text += std::to_string(c + 1);
    for (int t = 0; t < T; ++t) text += "\t" + std::to_string((c ? t % 3 == 0 : t < T / 2) + noise(rng));
    text += "\n";
  }
  return text;
}

TEST_F(Cli, ClassifyFitAndPredictAgree) {
  const std::string train = file("a_TRAIN.tsv", fixture(24, 1)), test = file("a_TEST.tsv", fixture(20, 2));
  const std::string grid = " --grid 'kernel = ntk, nngp; layers = 1, 2; C = 1, 10'";
  const CliRun c = run("classify --train " + train + " --test " + test + grid + " --report " + path("r.json") +
                       " --model " + path("m1.json"));
  ASSERT_EQ(c.status, 0) << c.output;
  EXPECT_NE(c.output.find("model selection: 8 grid points, 5-fold stratified cross-validation"), std::string::npos) << c.output;
  const std::size_t at = c.output.find("test accuracy: ");
  ASSERT_NE(at, std::string::npos);
  const std::string acc = c.output.substr(at + 15, 6);
  EXPECT_GT(std::stod(acc), 0.9) << c.output;
  const CliRun f = run("fit --train " + train + grid + " --model " + path("m2.json"));
  ASSERT_EQ(f.status, 0) << f.output;
  for (const std::string model : {"m1.json", "m2.json"}) {
    const CliRun p = run("predict --model " + path(model) + " --input " + test + " -o " + path("p.txt"));
    ASSERT_EQ(p.status, 0) << p.output;
    EXPECT_NE(p.output.find("accuracy: " + acc), std::string::npos) << p.output << " vs " << acc;
  }
  const std::string check = "/usr/bin/python3 -c \"import json,sys; r=json.load(open(sys.argv[1])); "
                            "sys.exit(0 if len(r['points'])==8 and 'chosen' in r and r['test_accuracy']>0.9 else 1)\" " + path("r.json");
  EXPECT_EQ(std::system(check.c_str()), 0) << "the report lacks the grid points or the scores";
}

TEST_F(Cli, ClassifyBadInputsGiveClearErrors) {
  const std::string train = file("a_TRAIN.tsv", fixture(10, 1)), test = file("a_TEST.tsv", fixture(6, 2));
  const std::string unlabelled = file("u.csv", "1,2,3\n4,5,6\n");
  const CliRun no_labels = run("classify --train " + unlabelled + " --test " + test);
  EXPECT_EQ(no_labels.status, 1);
  EXPECT_NE(no_labels.output.find("the training data has no labels (for CSV give --csv-labels)"), std::string::npos) << no_labels.output;
  const std::string two_channels = file("b.ts", "@classLabel true 1 2\n@data\n1,2,3:4,5,6:1\n1,0,3:4,0,6:2\n2,2,3:4,5,1:1\n");
  // Found on reading, before the model selection: nothing is trained.
  const CliRun dims = run("classify --train " + two_channels + " --test " + test + " --grid 'C = 1'");
  EXPECT_EQ(dims.status, 1);
  EXPECT_NE(dims.output.find(two_channels + " has sequences of dimension 2 but " + test + " has dimension 1"), std::string::npos)
      << dims.output;
  EXPECT_EQ(dims.output.find("chosen:"), std::string::npos) << dims.output;
  ASSERT_EQ(run("fit --train " + two_channels + " --grid 'C = 1' --model " + path("m.json")).status, 0);
  const CliRun predict = run("predict --model " + path("m.json") + " --input " + test);
  EXPECT_EQ(predict.status, 1);
  EXPECT_NE(predict.output.find("the model was trained on sequences of dimension 2, these have dimension 1"), std::string::npos)
      << predict.output;
  const CliRun kernel = run("classify --train " + train + " --test " + test + " --kernel tanh");
  EXPECT_EQ(kernel.status, 2);
  EXPECT_NE(kernel.output.find("parameter kernel = 'tanh' is not allowed: choose one of ntk|nngp|mlp-ntk|mlp-nngp|rbf|poly|linear"),
            std::string::npos) << kernel.output;
  const CliRun empty = run("classify --train " + train + " --test " + test + " --grid 'C ='");
  EXPECT_EQ(empty.status, 2);
  EXPECT_NE(empty.output.find("--grid:1: empty value for C"), std::string::npos) << empty.output;
  const CliRun method = run("classify --train " + train + " --test " + test + " --method nope");
  EXPECT_EQ(method.status, 2);
  EXPECT_NE(method.output.find("unknown method 'nope'; known: rntk, ntk, nngp"), std::string::npos) << method.output;
  const CliRun regression = run("classify --train " + train + " --test " + test + " --task regression --grid 'C = 1'");
  EXPECT_EQ(regression.status, 2);
  EXPECT_NE(regression.output.find("regression uses the ridge learner"), std::string::npos) << regression.output;
}

// A grid with no axes would otherwise search one point of the defaults, unnoticed.
TEST_F(Cli, ClassifyAndFitRefuseAnEmptyGrid) {
  const std::string train = file("a_TRAIN.tsv", fixture(10, 1)), test = file("a_TEST.tsv", fixture(6, 2));
  const std::string classify = "classify --train " + train + " --test " + test;
  for (const std::string grid : {"' '", "''", "';'"}) {
    const CliRun r = run(classify + " --grid " + grid);
    EXPECT_EQ(r.status, 2) << grid;
    EXPECT_NE(r.output.find("--grid: the model-selection grid is empty (no axes)"), std::string::npos) << r.output;
  }
  for (const std::string content : {"", "# C = 1, 10\n\n   # nothing else\n"}) {
    const std::string grid_file = file("g.txt", content);
    for (const std::string& command : {classify, "fit --train " + train + " --model " + path("m.json")}) {
      const CliRun r = run(command + " --grid-file " + grid_file);
      EXPECT_EQ(r.status, 2) << command;
      EXPECT_NE(r.output.find(grid_file + ": the model-selection grid is empty (no axes)"), std::string::npos)
          << r.output;
    }
  }
  EXPECT_FALSE(fs::exists(path("m.json")));
}

}  // namespace
}  // namespace rntk
