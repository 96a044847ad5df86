// 1-nearest-neighbour baselines: DTW against a full dynamic programme written here, hand-computed
// distances, the window rule, pruned searches against plain scans, the UCR archive's published
// 1-NN accuracies (Dau et al. 2019, DataSummary.csv) on sets of ../shared/data/ucr, and the
// methods ed, dtw and dtw-learned of `rntk ucr`.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>

#include "rntk/error.hpp"
#include "rntk/io.hpp"
#include "rntk/nearest.hpp"
#include "rntk/preprocess.hpp"
#include "test_util.hpp"

namespace rntk {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// DTW as the textbook states it: D over an (n + 1) x (m + 1) grid with an infinite border,
// D(i, j) = cost(i, j) + min(D(i-1, j-1), D(i-1, j), D(i, j-1)) for |i - j| <= w.
double reference_dtw(SequenceView a, SequenceView b, std::size_t w) {
  const std::size_t n = a.length(), m = b.length(), dim = a.dim();
  std::vector<std::vector<double>> d(n + 1, std::vector<double>(m + 1, kInfinity));
  d[0][0] = 0.0;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      if ((i > j ? i - j : j - i) > w) continue;
      double cost = 0.0;
      for (std::size_t k = 0; k < dim; ++k) {
        const double diff = a.step(i - 1)[k] - b.step(j - 1)[k];
        cost += diff * diff;
      }
      d[i][j] = cost + std::min({d[i - 1][j - 1], d[i - 1][j], d[i][j - 1]});
    }
  }
  return d[n][m];
}

// The plain scan: the first reference at the smallest reference DTW distance.
std::size_t scan_nearest(SequenceView query, SequenceSetView refs, double window, std::size_t skip) {
  std::size_t best = refs.size();
  double best_distance = kInfinity;
  for (std::size_t j = 0; j < refs.size(); ++j) {
    if (j == skip) continue;
    const double d = reference_dtw(query, refs[j], dtw_window(window, query.length(), refs[j].length()));
    if (d < best_distance) best_distance = d, best = j;
  }
  return best;
}

// Random walks: neighbours at very different distances, so the searches prune a lot.
SequenceSet random_walks(std::size_t count, std::size_t dim, std::size_t min_length, std::size_t max_length,
                         std::uint64_t seed) {
  const SequenceSet steps = testing::random_set(count, dim, min_length, max_length, seed);
  std::vector<double> values = steps.values();
  for (std::size_t i = 0; i < count; ++i) {
    for (std::size_t s = static_cast<std::size_t>(steps.offsets()[i]) + 1;
         s < static_cast<std::size_t>(steps.offsets()[i + 1]); ++s) {
      for (std::size_t k = 0; k < dim; ++k) values[s * dim + k] += values[(s - 1) * dim + k];
    }
  }
  return SequenceSet(std::move(values), steps.offsets(), dim);
}

SequenceView view(const std::vector<double>& values, std::size_t dim = 1) {
  return SequenceView(values.data(), values.size() / dim, dim);
}

TEST(Dtw, EqualsTheFullDynamicProgrammeForEveryWindowLengthAndDimension) {
  for (std::size_t dim : {1, 3}) {
    const SequenceSet x = testing::random_set(12, dim, 1, 25, 7 + dim);
    for (std::size_t a = 0; a < x.size(); ++a) {
      for (std::size_t b = 0; b < x.size(); ++b) {
        const std::size_t n = x[a].length(), m = x[b].length(), difference = n > m ? n - m : m - n;
        for (std::size_t w : {difference, difference + 1, difference + 4, std::max(n, m)}) {
          EXPECT_DOUBLE_EQ(dtw(x[a], x[b], w), reference_dtw(x[a], x[b], w))
              << "dim " << dim << ", lengths " << n << " and " << m << ", window " << w;
        }
      }
    }
  }
}

TEST(Dtw, HandComputedDistances) {
  const std::vector<double> shifted_a{0, 0, 1, 0}, shifted_b{0, 1, 0, 0};
  EXPECT_EQ(dtw(view(shifted_a), view(shifted_b), 0), 2.0);  // the Euclidean distance: 1 + 1
  EXPECT_EQ(dtw(view(shifted_a), view(shifted_b), 1), 0.0);  // the bump is matched one step late
  // Lengths 3 and 2: (0,0) (1,1) (2,1) costs 0 + 1 + 0.
  const std::vector<double> ramp{0, 1, 2}, ends{0, 2};
  EXPECT_EQ(dtw(view(ramp), view(ends), 1), 1.0);
  EXPECT_EQ(dtw(view(ends), view(ramp), 5), 1.0);
  // Dependent DTW warps both channels together: each channel alone warps to distance 0 (channel 1
  // 0 1 1 against 0 0 1, channel 2 the other way round), the steps (0,0) (1,0) (1,1) against
  // (0,0) (0,1) (1,1) only to 2.
  const std::vector<double> a{0, 0, 1, 0, 1, 1}, b{0, 0, 0, 1, 1, 1};
  EXPECT_EQ(dtw(view(a, 2), view(b, 2), 2), 2.0);
  EXPECT_EQ(squared_euclidean(view(a, 2), view(b, 2)), 2.0);
}

TEST(Dtw, WindowZeroIsTheEuclideanDistance) {
  const SequenceSet x = testing::random_set(10, 2, 17, 17, 3);
  for (std::size_t a = 0; a < x.size(); ++a) {
    for (std::size_t b = 0; b < x.size(); ++b) EXPECT_EQ(dtw(x[a], x[b], 0), squared_euclidean(x[a], x[b]));
  }
  const NearestOptions dtw0{NearestDistance::kDtw, 0.0, 2}, euclidean{NearestDistance::kEuclidean, 0.0, 2};
  EXPECT_EQ(nearest_others(x.view(), dtw0), nearest_others(x.view(), euclidean));
}

TEST(Dtw, WindowIsTheRoundedFractionOfTheLongerLengthAtLeastTheirDifference) {
  EXPECT_EQ(dtw_window(0.1, 100, 100), 10u);
  EXPECT_EQ(dtw_window(0.06, 60, 60), 4u);    // 3.6
  EXPECT_EQ(dtw_window(0.05, 150, 150), 8u);  // 7.5: halves round up
  EXPECT_EQ(dtw_window(0.29, 50, 50), 15u);   // 14.5, though 0.29 is stored just below 29/100
  EXPECT_EQ(dtw_window(0.1, 30, 40), 10u);    // 4 from the longer length, raised to the difference
  EXPECT_EQ(dtw_window(0.5, 30, 40), 20u);
  EXPECT_EQ(dtw_window(1.0, 40, 30), 40u);
  EXPECT_EQ(dtw_window(0.0, 7, 7), 0u);
}

TEST(Dtw, BadArgumentsNameTheParameterAndItsRange) {
  const std::vector<double> three{1, 2, 3}, five{1, 2, 3, 4, 5}, pair{1, 2};
  try {
    dtw_window(1.5, 10, 10);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::kParameter);
    EXPECT_NE(std::string(e.what()).find("window = 1.5 is out of range: allowed [0, 1]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(dtw_window(-0.01, 10, 10), Error);
  EXPECT_THROW(dtw_window(std::nan(""), 10, 10), Error);
  EXPECT_THROW(dtw(view(three), view(five), 1), Error);  // no path matches the last steps
  EXPECT_THROW(dtw(view(pair, 2), view(pair), 1), Error);
  EXPECT_THROW(squared_euclidean(view(three), view(five)), Error);
  const SequenceSet x = testing::random_set(3, 1, 5, 5, 1);
  EXPECT_THROW(nearest_neighbours(x.view(), x.view(), {NearestDistance::kDtw, 2.0, 1}), Error);
  EXPECT_THROW(percent_windows(101), Error);
}

TEST(NearestNeighbours, PrunedSearchesFindWhatAPlainScanFinds) {
  for (std::size_t dim : {1, 2}) {
    for (const auto& [min_length, max_length] : {std::pair<std::size_t, std::size_t>{30, 30}, {10, 40}}) {
      SequenceSet refs = random_walks(60, dim, min_length, max_length, 11 * dim + min_length);
      // Equal references: a tie the earlier one must win.
      refs.append(std::vector<double>(refs[5].data(), refs[5].data() + refs[5].length() * dim));
      const SequenceSet queries = random_walks(25, dim, min_length, max_length, 5 * dim + max_length);
      for (double window : {0.0, 0.05, 0.2, 1.0}) {
        const std::vector<std::size_t> found = nearest_neighbours(queries.view(), refs.view(), {NearestDistance::kDtw, window, 2});
        const std::vector<std::size_t> left_out = nearest_others(refs.view(), {NearestDistance::kDtw, window, 2});
        for (std::size_t q = 0; q < queries.size(); ++q) {
          EXPECT_EQ(found[q], scan_nearest(queries[q], refs.view(), window, refs.size()))
              << "dim " << dim << ", window " << window << ", query " << q;
        }
        for (std::size_t i = 0; i < refs.size(); ++i) {
          EXPECT_EQ(left_out[i], scan_nearest(refs[i], refs.view(), window, i))
              << "dim " << dim << ", window " << window << ", sequence " << i;
        }
        EXPECT_EQ(left_out[5], refs.size() - 1);  // its copy, at distance 0
        EXPECT_EQ(left_out.back(), 5u);
      }
    }
  }
}

TEST(NearestNeighbours, EuclideanNeighbourAndTiesToTheEarlierReference) {
  const SequenceSet refs = testing::random_set(8, 1, 6, 6, 2);
  SequenceSet queries(1);
  for (std::size_t j : {3, 6}) queries.append(std::vector<double>(refs[j].data(), refs[j].data() + 6));
  SequenceSet doubled = copy(refs.view());
  doubled.append(std::vector<double>(refs[0].data(), refs[0].data() + 6));
  const std::vector<std::size_t> found = nearest_neighbours(queries.view(), refs.view(), {NearestDistance::kEuclidean, 0, 1});
  EXPECT_EQ(found, (std::vector<std::size_t>{3, 6}));
  EXPECT_EQ(nearest_others(doubled.view(), {NearestDistance::kEuclidean, 0, 1})[8], 0u);
}

TEST(LearnedWindow, ScoresEveryWindowByLeaveOneOutAndPrefersTheSmallerOnTies) {
  // A bump then a dip, or a dip then a bump, at a random place in noise: a window helps.
  std::mt19937_64 rng(4);
  std::normal_distribution<double> noise(0.0, 0.3);
  std::uniform_int_distribution<int> shift(0, 16);
  SequenceSet train(1);
  std::vector<std::string> labels;
  for (int i = 0; i < 40; ++i) {
    std::vector<double> v(40);
    for (double& x : v) x = noise(rng);
    const std::size_t at = static_cast<std::size_t>(8 + shift(rng));
    const double sign = i % 2 ? 1.0 : -1.0;
    for (std::size_t t = 0; t < 4; ++t) v[at + t] += 2.0 * sign, v[at + 4 + t] -= 2.0 * sign;
    train.append(v);
    labels.push_back(i % 2 ? "bump first" : "dip first");
  }
  const std::vector<double> windows = percent_windows(20);
  const LearnedWindow learned = learn_dtw_window(train.view(), labels, windows, 2);
  ASSERT_EQ(learned.accuracies.size(), windows.size());
  std::size_t best = 0;
  for (std::size_t w = 0; w < windows.size(); ++w) {
    std::size_t right = 0;
    for (std::size_t i = 0; i < train.size(); ++i) right += labels[scan_nearest(train[i], train.view(), windows[w], i)] == labels[i];
    const double accuracy = static_cast<double>(right) / static_cast<double>(train.size());
    EXPECT_EQ(learned.accuracies[w], accuracy) << "window " << windows[w];
    if (accuracy > learned.accuracies[best]) best = w;
  }
  EXPECT_EQ(learned.window, windows[best]);
  EXPECT_EQ(learned.accuracy, learned.accuracies[best]);
  // The data were made for it: a window beats none, and several tie for the best.
  EXPECT_GT(learned.window, 0.0);
  EXPECT_GT(std::count(learned.accuracies.begin(), learned.accuracies.end(), learned.accuracy), 1);
}

// Accuracy of the archive's 2018 DataSummary.csv: 1 - its error rates for ED (w = 0),
// DTW (learned_w) with the window in percent it learned, and DTW (w = 100).
struct Published {
  const char* name;
  double euclidean, learned, full;
  int learned_percent;
};

const std::filesystem::path kArchive = std::filesystem::path(RNTK_SOURCE_DIR) / ".." / "shared" / "data" / "ucr";

class PublishedAccuracy : public ::testing::TestWithParam<Published> {
 protected:
  // The split as `rntk ucr` reads it: missing values interpolated, series z-normalised.
  void SetUp() override {
    const std::filesystem::path dir = kArchive / GetParam().name;
    if (!std::filesystem::exists(dir)) GTEST_SKIP() << "no " << dir;
    const ReadOptions read{SequenceFormat::kUcrTsv, false, true};
    const std::string stem = (dir / GetParam().name).string();
    train_ = read_sequences(stem + "_TRAIN.tsv", read);
    test_ = read_sequences(stem + "_TEST.tsv", read);
    train_.sequences = z_normalise(train_.sequences.view());
    test_.sequences = z_normalise(test_.sequences.view());
  }

  double test_accuracy(const NearestOptions& options) const {
    return neighbour_accuracy(nearest_neighbours(test_.sequences.view(), train_.sequences.view(), options),
                              test_.labels, train_.labels);
  }

  // Published rates have four decimals: equal error counts are within half a test series of them.
  double one_series() const { return 1.0 / static_cast<double>(test_.labels.size()); }

  Dataset train_, test_;
};

TEST_P(PublishedAccuracy, EuclideanAndFullDtwMatchThePublishedErrorCounts) {
  const Published p = GetParam();
  const double euclidean = test_accuracy({NearestDistance::kEuclidean, 0.0, 2});
  const double full = test_accuracy({NearestDistance::kDtw, 1.0, 2});
  std::printf("%s: 1-NN ED %.4f (published %.4f), DTW %.4f (published %.4f)\n", p.name, euclidean, p.euclidean,
              full, p.full);
  EXPECT_NEAR(euclidean, p.euclidean, 0.5 * one_series());
  EXPECT_NEAR(full, p.full, 0.5 * one_series());
}

TEST_P(PublishedAccuracy, LearnedWindowAndItsAccuracyMatchThePublishedOnes) {
  const Published p = GetParam();
  const LearnedWindow learned = learn_dtw_window(train_.sequences.view(), train_.labels, percent_windows(20), 2);
  const double accuracy = test_accuracy({NearestDistance::kDtw, learned.window, 2});
  std::printf("%s: 1-NN DTW learned window %.0f%% %.4f (published %d%% %.4f)\n", p.name, 100 * learned.window,
              accuracy, p.learned_percent, p.learned);
  EXPECT_EQ(std::lround(100 * learned.window), p.learned_percent);
  EXPECT_NEAR(accuracy, p.learned, 0.5 * one_series());
}

INSTANTIATE_TEST_SUITE_P(Archive, PublishedAccuracy,
                         ::testing::Values(Published{"GunPoint", 1 - 0.0867, 1 - 0.0867, 1 - 0.0933, 0},
                                           Published{"Coffee", 1.0, 1.0, 1.0, 0},
                                           Published{"ECG200", 1 - 0.12, 1 - 0.12, 1 - 0.23, 0},
                                           Published{"ItalyPowerDemand", 1 - 0.0447, 1 - 0.0447, 1 - 0.0496, 0},
                                           Published{"SyntheticControl", 1 - 0.12, 1 - 0.0167, 1 - 0.0067, 6}),
                         [](const auto& info) { return std::string(info.param.name); });

// `rntk ucr` with the 1-NN methods next to a kernel method, on a small archive written here: one
// set of equal lengths, one of different lengths.
class UcrCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    archive_ = std::filesystem::temp_directory_path() / "rntk_nearest_ucr";
    std::filesystem::remove_all(archive_);
    write_set("Equal", 30, 30);
    write_set("Ragged", 20, 30);
  }
  void TearDown() override { std::filesystem::remove_all(archive_); }

  // A bump then a dip, or the reverse, at a random place in noise; NaN padding to max_length.
  void write_set(const std::string& name, std::size_t min_length, std::size_t max_length) {
    std::filesystem::create_directories(archive_ / name);
    std::mt19937_64 rng(name.size());
    std::normal_distribution<double> noise(0.0, 0.3);
    std::uniform_int_distribution<std::size_t> length(min_length, max_length), place(0, min_length - 9);
    for (const auto& [part, count] : {std::pair<std::string, int>{"TRAIN", 14}, {"TEST", 10}}) {
      std::ofstream out(archive_ / name / (name + "_" + part + ".tsv"));
      for (int i = 0; i < count; ++i) {
        std::vector<double> v(length(rng));
        for (double& x : v) x = noise(rng);
        const std::size_t at = place(rng);
        for (std::size_t t = 0; t < 4; ++t) v[at + t] += i % 2 ? 2.0 : -2.0, v[at + 4 + t] -= i % 2 ? 2.0 : -2.0;
        out << (i % 2 ? 1 : 2);
        for (std::size_t t = 0; t < max_length; ++t) out << '\t' << (t < v.size() ? std::to_string(v[t]) : "NaN");
        out << '\n';
      }
    }
  }

  struct Result {
    int status;
    std::string output;
  };
  Result ucr(const std::string& args) const {
    const std::string command = std::string(RNTK_CLI) + " ucr --archive " + archive_.string() + " " + args + " 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    std::string output;
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
    const int status = pclose(pipe);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
  }

  // The CSV's rows as fields (no field of these runs needs quotes).
  std::vector<std::vector<std::string>> rows(const std::filesystem::path& csv) const {
    std::ifstream in(csv);
    std::vector<std::vector<std::string>> out;
    for (std::string line; std::getline(in, line);) {
      std::vector<std::string> fields;
      std::stringstream fields_in(line);
      for (std::string f; std::getline(fields_in, f, ',');) fields.push_back(f);
      out.push_back(fields);
    }
    return out;
  }

  // The test accuracy of 1-NN as the library computes it.
  double accuracy(const std::string& name, const NearestOptions& options) const {
    const ReadOptions read{SequenceFormat::kUcrTsv, false, true};
    const Dataset train = read_sequences((archive_ / name / (name + "_TRAIN.tsv")).string(), read);
    const Dataset test = read_sequences((archive_ / name / (name + "_TEST.tsv")).string(), read);
    const SequenceSet train_x = z_normalise(train.sequences.view()), test_x = z_normalise(test.sequences.view());
    return neighbour_accuracy(nearest_neighbours(test_x.view(), train_x.view(), options), test.labels, train.labels);
  }

  std::filesystem::path archive_;
};

TEST_F(UcrCommand, WritesARowPerSetAndMethodWithTheLibrarysAccuracies) {
  const std::filesystem::path csv = archive_ / "out.csv";
  const Result r = ucr("--methods dtw,linear,ed,dtw-learned --threads 2 --out " + csv.string());
  ASSERT_EQ(r.status, 0) << r.output;
  const std::vector<std::vector<std::string>> table = rows(csv);
  ASSERT_EQ(table.size(), 9u);
  ASSERT_EQ(table[0].size(), 12u);
  EXPECT_EQ(table[0][8], "test_accuracy");
  const std::vector<std::string> methods{"dtw", "linear", "ed", "dtw-learned"};
  for (std::size_t k = 1; k < table.size(); ++k) {
    ASSERT_EQ(table[k].size(), 12u);
    const std::string& name = table[k][0];
    EXPECT_EQ(name, k <= 4 ? "Equal" : "Ragged");
    EXPECT_EQ(table[k][1], methods[(k - 1) % 4]);
    EXPECT_EQ(table[k][5], name == "Ragged" ? "yes" : "no");
    const std::string& method = table[k][1];
    const double test_accuracy = std::stod(table[k][8]);
    if (method == "ed" && name == "Equal") {
      EXPECT_EQ(test_accuracy, accuracy(name, {NearestDistance::kEuclidean, 0.0, 1}));
    }
    if (method == "dtw") {
      EXPECT_EQ(test_accuracy, accuracy(name, {NearestDistance::kDtw, 1.0, 1}));
    }
    if (method == "dtw-learned") {
      const std::string prefix = "distance=dtw window=";
      ASSERT_EQ(table[k][9].substr(0, prefix.size()), prefix);
      EXPECT_EQ(test_accuracy, accuracy(name, {NearestDistance::kDtw, std::stod(table[k][9].substr(prefix.size())), 1}));
    }
    // Shifted shapes: DTW separates the classes, the Euclidean distance less well.
    if (method.substr(0, 3) == "dtw") {
      EXPECT_GE(test_accuracy, 0.9) << method << " on " << name;
    }
  }
}

TEST_F(UcrCommand, RejectsUnknownMethodsAndWindowsAndUnpaddedEuclidean) {
  const std::string out = " --out " + (archive_ / "out.csv").string();
  Result r = ucr("--methods ed,knn" + out);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("unknown method 'knn'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("ed, dtw, dtw-learned"), std::string::npos) << r.output;
  r = ucr("--methods dtw-learned --dtw-max-window 101" + out);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("--dtw-max-window = 101 is out of range: allowed integers in [0, 100]"), std::string::npos)
      << r.output;
  r = ucr("--methods ed --pad false --datasets Ragged" + out);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("pad them to one length, or use DTW"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(archive_ / "out.csv"));
}

}  // namespace
}  // namespace rntk
