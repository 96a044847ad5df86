// rntk ucr: the full protocol (model selection on the training set, test accuracy) for every data
// set of a UCR-layout archive and every method, with a summary in the style of the RNTK paper.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>

#include "commands.hpp"
#include "options.hpp"
#include "progress.hpp"
#include "rntk/error.hpp"
#include "rntk/compare.hpp"
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
  GridOptions grid;

  void run() const;
  std::vector<Row> evaluate(const std::string& name, const std::vector<std::string>& method_list,
                            ProgressBar& bar, double done, double share) const;
};

std::vector<Row> UcrCommand::evaluate(const std::string& name, const std::vector<std::string>& method_list,
                                      ProgressBar& bar, double done, double share) const {
  const fs::path dir = fs::path(archive) / name;
  const ReadOptions read{SequenceFormat::kUcrTsv, false, true};
  const Dataset train = read_sequences((dir / (name + "_TRAIN.tsv")).string(), read);
  const Dataset test = read_sequences((dir / (name + "_TEST.tsv")).string(), read);
  std::vector<MethodGrid> methods;
  for (const std::string& m : method_list) {
    std::vector<Settings> points = grid.points(m);
    // The archive's protocol compares every method on every set: baselines pad unless told not to.
    if (!grid.params.given("pad")) {
      for (Settings& s : points) s.model.pad = true;
    }
    methods.emplace_back(m, points);
  }
  const std::vector<MethodResult> results = compare_methods(train, test, methods, [&](double f, const std::string& note) {
    bar.update(done + share * f, name + ": " + note);
  });
  const SequenceSetView tv = train.sequences.view();
  std::size_t shortest = tv.max_length();
  for (std::size_t i = 0; i < tv.size(); ++i) shortest = std::min(shortest, tv.length(i));
  std::vector<Row> rows;
  for (const MethodResult& r : results) {
    Row row;
    row.dataset = name;
    row.method = r.method;
    row.n_train = train.sequences.size();
    row.n_test = test.sequences.size();
    row.length = tv.max_length();
    row.variable_length = shortest != tv.max_length();
    row.classes = r.classes;
    row.cv_accuracy = r.chosen.cv_score;
    row.test_accuracy = r.test_score;
    row.chosen = describe(r.chosen.settings);
    row.train_seconds = r.train_seconds;
    row.test_seconds = r.test_seconds;
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
  for (const std::string& m : method_list) default_grid(m);  // unknown names fail now

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
      "then test accuracy. Missing values inside a series are interpolated; baseline kernels zero-pad shorter series (pad = true) unless --pad false is given. Prints a table and a "
      "summary (mean accuracy, mean rank, wins/ties/losses of the first method).");
  sub->add_option("--archive", command->archive, "archive folder, e.g. ../shared/data/ucr")->required()->type_name("DIR");
  sub->add_option("--datasets", command->datasets, "comma-separated data set names (default: all)");
  sub->add_option("--methods", command->methods,
                  "comma-separated methods, each a default grid (default rntk,ntk,nngp,rbf,mlp-ntk)");
  sub->add_option("--out", command->out_path, "CSV with one row per data set and method")->required()->type_name("FILE");
  command->grid.add_to(*sub, false);
  sub->callback([command, &status] { status = run_reporting_errors([&] { command->run(); }); });
}

}  // namespace rntk::cli
