// rntk ucr: the full protocol (model selection on the training set, test accuracy) for every data
// set of a UCR-layout archive and every method, with a summary in the style of the RNTK paper.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <set>

#include "commands.hpp"
#include "options.hpp"
#include "progress.hpp"
#include "rntk/error.hpp"
#include "rntk/compare.hpp"
#include "rntk/nearest.hpp"
#include "rntk/preprocess.hpp"
#include "shortest.hpp"

namespace rntk::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Row {
  std::string dataset, method;
  std::size_t n_train = 0, n_test = 0, length = 0, classes = 0;
  bool variable_length = false;
  double cv_accuracy = 0, test_accuracy = 0, train_seconds = 0, test_seconds = 0;
  std::string chosen;
};

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

// The 1-nearest-neighbour baselines of the archive: Euclidean, DTW over the whole series, DTW in
// the window learned by leave-one-out.
bool is_nearest_method(const std::string& m) { return m == "ed" || m == "dtw" || m == "dtw-learned"; }

std::size_t class_count(const std::vector<std::string>& labels) {
  std::vector<std::string> sorted = labels;
  std::sort(sorted.begin(), sorted.end());
  return static_cast<std::size_t>(std::unique(sorted.begin(), sorted.end()) - sorted.begin());
}

// Every sequence zero-padded or cut to `length` steps, as the baseline kernels compare them.
SequenceSet padded(SequenceSetView x, std::size_t length) {
  const SequenceSet flat = flatten(x, length, true);
  std::vector<std::int64_t> offsets;
  for (std::size_t i = 0; i <= x.size(); ++i) offsets.push_back(static_cast<std::int64_t>(i * length));
  return SequenceSet(flat.values(), std::move(offsets), x.dim());
}

// Rank of each method on one data set (1 = best accuracy; tied methods share the mean rank).
std::vector<double> ranks(const std::vector<double>& acc) {
  std::vector<double> r(acc.size());
  for (std::size_t a = 0; a < acc.size(); ++a) {
    double better = 0, equal = 0;
    for (std::size_t b = 0; b < acc.size(); ++b) {
      better += acc[b] > acc[a];
      equal += acc[b] == acc[a];
    }
    r[a] = better + (equal + 1) / 2;
  }
  return r;
}

struct UcrCommand {
  std::string archive, datasets, methods = "rntk,ntk,nngp,rbf,mlp-ntk", out_path;
  int max_window_percent = 20;
  GridOptions grid;

  void run() const;
  std::vector<Row> evaluate(const std::string& name, const std::vector<std::string>& method_list,
                            ProgressBar& bar, double done, double share) const;
  Row nearest_neighbour(const std::string& method, const Dataset& train, const Dataset& test) const;
};

// A 1-NN baseline on the series the kernels see (z-normalised unless --z-normalise false; the
// Euclidean distance on series padded like the baseline kernels' unless --pad false). The training
// score is the leave-one-out accuracy, for dtw-learned that of the window it chose.
Row UcrCommand::nearest_neighbour(const std::string& method, const Dataset& train, const Dataset& test) const {
  const Settings settings = grid.params.settings();
  const bool pad = grid.params.given("pad") ? settings.model.pad : true;
  const auto train_start = Clock::now();
  const auto prepared = [&](const Dataset& d) {
    return settings.model.z_normalise ? z_normalise(d.sequences.view()) : copy(d.sequences.view());
  };
  SequenceSet train_x = prepared(train), test_x = prepared(test);
  NearestOptions options{NearestDistance::kDtw, 1.0, settings.engine.threads};
  Row row;
  if (method == "ed") {
    options.distance = NearestDistance::kEuclidean;
    if (pad) {
      const std::size_t length = train_x.view().max_length();
      train_x = padded(train_x.view(), length);
      test_x = padded(test_x.view(), length);
    }
    row.cv_accuracy = neighbour_accuracy(nearest_others(train_x.view(), options), train.labels, train.labels);
    row.chosen = "distance=euclidean";
  } else if (method == "dtw") {
    row.cv_accuracy = neighbour_accuracy(nearest_others(train_x.view(), options), train.labels, train.labels);
    row.chosen = "distance=dtw window=1";
  } else {
    const LearnedWindow learned = learn_dtw_window(train_x.view(), train.labels, percent_windows(max_window_percent),
                                                   settings.engine.threads);
    options.window = learned.window;
    row.cv_accuracy = learned.accuracy;
    row.chosen = "distance=dtw window=" + shortest_text(learned.window);
  }
  row.train_seconds = seconds_since(train_start);
  const auto test_start = Clock::now();
  const std::vector<std::size_t> neighbour = nearest_neighbours(test_x.view(), train_x.view(), options);
  row.test_accuracy = neighbour_accuracy(neighbour, test.labels, train.labels);
  row.test_seconds = seconds_since(test_start);
  row.method = method;
  row.classes = class_count(train.labels);
  return row;
}

std::vector<Row> UcrCommand::evaluate(const std::string& name, const std::vector<std::string>& method_list,
                                      ProgressBar& bar, double done, double share) const {
  const fs::path dir = fs::path(archive) / name;
  const ReadOptions read{SequenceFormat::kUcrTsv, false, true};
  const Dataset train = read_sequences((dir / (name + "_TRAIN.tsv")).string(), read);
  const Dataset test = read_sequences((dir / (name + "_TEST.tsv")).string(), read);
  std::vector<MethodGrid> methods;
  for (const std::string& m : method_list) {
    if (is_nearest_method(m)) continue;
    std::vector<Settings> points = grid.points(m);
    // The archive's protocol compares every method on every set: baselines pad unless told not to.
    if (!grid.params.given("pad")) {
      for (Settings& s : points) s.model.pad = true;
    }
    methods.emplace_back(m, points);
  }
  // The kernel methods' share of the progress bar is theirs among all methods; each 1-NN one a step.
  const double kernel_share = share * static_cast<double>(methods.size()) / static_cast<double>(method_list.size());
  std::map<std::string, Row> by_method;
  if (!methods.empty()) {
    const std::vector<MethodResult> results = compare_methods(train, test, methods, [&](double f, const std::string& note) {
      bar.update(done + kernel_share * f, name + ": " + note);
    });
    for (const MethodResult& r : results) {
      Row& row = by_method[r.method];
      row.method = r.method;
      row.classes = r.classes;
      row.cv_accuracy = r.chosen.cv_score;
      row.test_accuracy = r.test_score;
      row.chosen = describe(r.chosen.settings);
      row.train_seconds = r.train_seconds;
      row.test_seconds = r.test_seconds;
    }
  }
  double progress = done + kernel_share;
  for (const std::string& m : method_list) {
    if (!is_nearest_method(m)) continue;
    bar.update(progress, name + ": " + m);
    by_method[m] = nearest_neighbour(m, train, test);
    progress += share / static_cast<double>(method_list.size());
  }
  const SequenceSetView tv = train.sequences.view();
  std::size_t shortest = tv.max_length();
  for (std::size_t i = 0; i < tv.size(); ++i) shortest = std::min(shortest, tv.length(i));
  std::vector<Row> rows;
  for (const std::string& m : method_list) {
    Row row = by_method.at(m);
    row.dataset = name;
    row.n_train = train.sequences.size();
    row.n_test = test.sequences.size();
    row.length = tv.max_length();
    row.variable_length = shortest != tv.max_length();
    rows.push_back(row);
  }
  return rows;
}

void UcrCommand::run() const {
  AtomicFile out(out_path);
  std::vector<std::string> names = split_list(datasets);
  if (names.empty()) {
    for (const fs::directory_entry& e : fs::directory_iterator(archive)) {
      const std::string n = e.path().filename().string();
      if (e.is_directory() && fs::exists(e.path() / (n + "_TRAIN.tsv"))) names.push_back(n);
    }
    std::sort(names.begin(), names.end());
  }
  if (names.empty()) throw input_error(archive + ": no data sets (folders NAME with NAME_TRAIN.tsv and NAME_TEST.tsv)");
  const std::vector<std::string> method_list = split_list(methods);
  for (const std::string& m : method_list) {  // unknown names fail now
    if (is_nearest_method(m)) continue;
    try {
      default_grid(m);
    } catch (const Error& e) {
      throw parameter_error(std::string(e.what()) + "; or a 1-nearest-neighbour baseline: ed, dtw, dtw-learned");
    }
  }
  if (std::set<std::string>(method_list.begin(), method_list.end()).size() != method_list.size()) {
    throw parameter_error("--methods lists a method twice: " + methods);
  }
  if (max_window_percent < 0 || max_window_percent > 100) {
    throw parameter_error("--dtw-max-window = " + std::to_string(max_window_percent) +
                          " is out of range: allowed integers in [0, 100] (percent of the length)");
  }

  out.stream() << "dataset,method,n_train,n_test,length,variable_length,classes,cv_accuracy,"
                  "test_accuracy,chosen,train_seconds,test_seconds\n";
  std::printf("%-30s", "dataset");
  for (const std::string& m : method_list) std::printf(" %9s", m.c_str());
  std::printf(" %9s\n", "seconds");
  std::fflush(stdout);
  const auto start = Clock::now();
  ProgressBar bar;
  std::map<std::string, std::vector<double>> acc;  // per method, in data set order
  for (std::size_t d = 0; d < names.size(); ++d) {
    const auto set_start = Clock::now();
    const std::vector<Row> rows = evaluate(names[d], method_list, bar, static_cast<double>(d) / names.size(), 1.0 / names.size());
    bar.finish();
    std::printf("%-30s", names[d].c_str());
    for (const Row& r : rows) {
      std::printf(" %9.4f", r.test_accuracy);
      acc[r.method].push_back(r.test_accuracy);
      out.stream() << csv_field(r.dataset) << ',' << r.method << ',' << r.n_train << ',' << r.n_test << ','
                   << r.length << ',' << (r.variable_length ? "yes" : "no") << ',' << r.classes << ','
                   << shortest_text(r.cv_accuracy) << ',' << shortest_text(r.test_accuracy) << ','
                   << csv_field(r.chosen) << ',' << shortest_text(r.train_seconds) << ','
                   << shortest_text(r.test_seconds) << '\n';
    }
    std::printf(" %9.1f\n", seconds_since(set_start));
    std::fflush(stdout);
  }
  out.commit();

  // Summary: mean accuracy, mean rank, wins / ties / losses of the first method against each other.
  std::printf("\n%-30s", "mean accuracy");
  for (const std::string& m : method_list) {
    double sum = 0;
    for (double a : acc[m]) sum += a;
    std::printf(" %9.4f", sum / static_cast<double>(names.size()));
  }
  std::vector<double> rank_sum(method_list.size(), 0.0);
  for (std::size_t d = 0; d < names.size(); ++d) {
    std::vector<double> here;
    for (const std::string& m : method_list) here.push_back(acc[m][d]);
    const std::vector<double> r = ranks(here);
    for (std::size_t m = 0; m < r.size(); ++m) rank_sum[m] += r[m];
  }
  std::printf("\n%-30s", "mean rank");
  for (double r : rank_sum) std::printf(" %9.3f", r / static_cast<double>(names.size()));
  std::printf("\n");
  for (std::size_t m = 1; m < method_list.size(); ++m) {
    int wins = 0, ties = 0, losses = 0;
    for (std::size_t d = 0; d < names.size(); ++d) {
      const double a = acc[method_list[0]][d], b = acc[method_list[m]][d];
      (a > b ? wins : a == b ? ties : losses)++;
    }
    std::printf("%s vs %s: %d wins, %d ties, %d losses\n", method_list[0].c_str(), method_list[m].c_str(),
                wins, ties, losses);
  }
  std::printf("%zu data sets in %.1f s; rows in %s\n", names.size(), seconds_since(start), out_path.c_str());
}

}  // namespace

void add_ucr_command(CLI::App& app, int& status) {
  auto command = std::make_shared<UcrCommand>();
  CLI::App* sub = app.add_subcommand(
      "ucr",
      "Run the full protocol on every data set of a UCR-layout archive (NAME/NAME_TRAIN.tsv, "
      "NAME_TEST.tsv) for several methods: model selection by cross-validation on the training set, "
      "then test accuracy. Missing values inside a series are interpolated; baseline kernels zero-pad shorter series (pad = true) unless --pad false is given. "
      "The 1-nearest-neighbour baselines ed (Euclidean, padded like the baseline kernels), dtw (DTW "
      "over the whole series) and dtw-learned (DTW in the Sakoe-Chiba window of 0 .. "
      "--dtw-max-window percent of the length with the best leave-one-out accuracy on the training "
      "set, ties to the smaller) have no grid; their cv_accuracy is the leave-one-out accuracy. "
      "Prints a table and a summary (mean accuracy, mean rank, wins/ties/losses of the first method).");
  sub->add_option("--archive", command->archive, "archive folder, e.g. ../shared/data/ucr")->required()->type_name("DIR");
  sub->add_option("--datasets", command->datasets, "comma-separated data set names (default: all)");
  sub->add_option("--methods", command->methods,
                  "comma-separated methods, each a default grid or ed, dtw, dtw-learned (default "
                  "rntk,ntk,nngp,rbf,mlp-ntk)");
  sub->add_option("--dtw-max-window", command->max_window_percent,
                  "dtw-learned: the largest window tried, in percent of the length; every whole "
                  "percentage from 0 is tried (default 20, allowed [0, 100])")
      ->type_name("PERCENT");
  sub->add_option("--out", command->out_path, "CSV with one row per data set and method")->required()->type_name("FILE");
  command->grid.add_to(*sub, false);
  sub->callback([command, &status] { status = run_reporting_errors([&] { command->run(); }); });
}

}  // namespace rntk::cli
