// rntk classify / fit / predict: model selection by cross-validation, a fitted model, its test
// accuracy, model files.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "options.hpp"
#include "progress.hpp"
#include "rntk/error.hpp"
#include "rntk/launch.hpp"
#include "rntk/model.hpp"
#include "rntk/nystrom.hpp"
#include "shortest.hpp"

namespace rntk::cli {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string summary(const Dataset& d) {
  const SequenceSetView v = d.sequences.view();
  std::size_t shortest = v.max_length();
  for (std::size_t i = 0; i < v.size(); ++i) shortest = std::min(shortest, v.length(i));
  return std::to_string(v.size()) + " sequences, lengths " + std::to_string(shortest) + ".." +
         std::to_string(v.max_length()) + ", " + std::to_string(v.dim()) + " channel(s)";
}

// Under mpirun every rank runs the command (sharing the Nystrom features' work); only the leader
// prints and writes files.
bool writes_output() {
  if (launched_cluster().leader()) return true;
  if (!std::freopen("/dev/null", "w", stdout)) throw io_error("cannot silence the output of a follower rank");
  return false;
}

// Model selection and fit with a progress bar; prints what was chosen.
Selection train_model(const Dataset& train, const GridOptions& grid_options) {
  const std::vector<Settings> points = grid_options.points(grid_options.method);
  const Settings& first = points.front();
  std::printf("train: %s: %s\n", train.source.c_str(), summary(train).c_str());
  if (points.size() > 1) {
    std::printf("model selection: %zu grid points, %d-fold %scross-validation (seed %d)\n", points.size(),
                first.model.folds, first.model.task == Task::kClassification ? "stratified " : "",
                first.model.seed);
  }
  std::fflush(stdout);
  ProgressBar bar;
  const Progress progress = [&](double f, const std::string& note) { bar.update(f, note); };
  // Nystrom machines spread K(X, Z) over the ranks of an MPI job; exact ones run in each process.
  Selection s = first.model.nystrom > 0 ? nystrom_select_and_fit(train, points, launched_cluster(), progress)
                                        : select_and_fit(train, points, progress);
  bar.finish();
  const Candidate& best = s.candidates[s.best];
  std::printf("chosen: %s\n", describe(best.settings).c_str());
  if (!std::isnan(best.cv_score)) {
    if (first.model.task == Task::kClassification) {
      std::printf("cross-validation accuracy: %.4f\n", best.cv_score);
    } else {
      std::printf("cross-validation RMSE: %.6g\n", std::sqrt(-best.cv_score));
    }
  }
  return s;
}

json report_of(const Selection& s) {
  json points = json::array();
  for (const Candidate& c : s.candidates) {
    points.push_back({{"settings", describe(c.settings)},
                      {"cv_score", std::isnan(c.cv_score) ? json() : json(c.cv_score)}});
  }
  const Candidate& best = s.candidates[s.best];
  return {{"points", points},
          {"chosen", describe(best.settings)},
          {"cv_score", std::isnan(best.cv_score) ? json() : json(best.cv_score)}};
}

struct ClassifyCommand {
  std::string train_path, test_path, report_path, model_path;
  InputOptions input;
  GridOptions grid;

  void run() const {
    const bool writes = writes_output();
    std::unique_ptr<AtomicFile> report = report_path.empty() || !writes ? nullptr : std::make_unique<AtomicFile>(report_path);
    std::unique_ptr<AtomicFile> model_file = model_path.empty() || !writes ? nullptr : std::make_unique<AtomicFile>(model_path);
    const Dataset train = input.read(train_path);
    const Dataset test = input.read(test_path);
    check_same_dimension(train, test);
    if (test.labels.empty()) throw input_error(test_path + ": the test set has no labels to score against");
    const auto start = Clock::now();
    const Selection s = train_model(train, grid);
    const double train_seconds = seconds_since(start);
    const auto test_start = Clock::now();
    const Prediction p = s.model.predict(test.sequences.view());
    const double test_seconds = seconds_since(test_start);
    json j = report_of(s);
    std::printf("test: %s: %s\n", test.source.c_str(), summary(test).c_str());
    if (s.model.settings().model.task == Task::kClassification) {
      const double acc = accuracy(p.labels, test.labels);
      std::printf("test accuracy: %.4f (%.0f / %zu)\n", acc, acc * static_cast<double>(test.labels.size()),
                  test.labels.size());
      j["test_accuracy"] = acc;
    } else {
      const double error = rmse(p.values, test.labels);
      std::printf("test RMSE: %.6g\n", error);
      j["test_rmse"] = error;
    }
    std::printf("time: training %.2f s (model selection and fit), testing %.2f s\n", train_seconds, test_seconds);
    j["train"] = {{"file", train.source}, {"sequences", train.sequences.size()}};
    j["test"] = {{"file", test.source}, {"sequences", test.sequences.size()}};
    j["train_seconds"] = train_seconds;
    j["test_seconds"] = test_seconds;
    if (model_file) {
      s.model.save(model_file->stream());
      model_file->commit();
      std::fprintf(stderr, "rntk: wrote %s\n", model_file->path().c_str());
    }
    if (report) {
      report->stream() << j.dump(2) << '\n';
      report->commit();
      std::fprintf(stderr, "rntk: wrote %s\n", report->path().c_str());
    }
  }
};

struct FitCommand {
  std::string train_path, model_path;
  InputOptions input;
  GridOptions grid;

  void run() const {
    const bool writes = writes_output();
    std::unique_ptr<AtomicFile> file = writes ? std::make_unique<AtomicFile>(model_path) : nullptr;  // first: an unwritable path fails before the work
    const Dataset train = input.read(train_path);
    const Selection s = train_model(train, grid);
    if (!file) return;
    s.model.save(file->stream());
    file->commit();
    std::printf("model: %s (%zu support sequences)\n", model_path.c_str(), s.model.support_size());
  }
};

struct PredictCommand {
  std::string model_path, input_path, out_path;
  InputOptions input;

  void run() const {
    std::unique_ptr<AtomicFile> out = out_path.empty() ? nullptr : std::make_unique<AtomicFile>(out_path);
    const Model model = Model::load(model_path);
    const Dataset data = input.read(input_path);
    const Prediction p = model.predict(data.sequences.view());
    std::ostream& stream = out ? out->stream() : std::cout;
    for (const std::string& label : p.labels) stream << label << '\n';
    if (out) out->commit();
    if (!data.labels.empty()) {
      if (model.settings().model.task == Task::kClassification) {
        std::fprintf(stderr, "accuracy: %.4f on %zu labelled sequences\n", accuracy(p.labels, data.labels), data.labels.size());
      } else {
        std::fprintf(stderr, "RMSE: %.6g on %zu labelled sequences\n", rmse(p.values, data.labels), data.labels.size());
      }
    }
  }
};

}  // namespace

void add_classify_commands(CLI::App& app, int& status) {
  auto classify = std::make_shared<ClassifyCommand>();
  CLI::App* c = app.add_subcommand(
      "classify",
      "Select a model by cross-validation on a training set, fit it, and report its accuracy on a "
      "test set (also regression with --task regression --learner ridge).");
  c->add_option("--train", classify->train_path, "training sequences with labels")->required()->type_name("FILE");
  c->add_option("--test", classify->test_path, "test sequences with labels")->required()->type_name("FILE");
  c->add_option("--report", classify->report_path, "JSON report: every grid point's score, the choice, accuracy, times")->type_name("FILE");
  c->add_option("--model", classify->model_path, "also save the fitted model here")->type_name("FILE");
  classify->input.add_to(*c);
  classify->grid.add_to(*c, true);
  c->callback([classify, &status] { status = run_reporting_errors([&] { classify->run(); }); });

  auto fit = std::make_shared<FitCommand>();
  CLI::App* f = app.add_subcommand("fit", "Select and fit a model on a training set and save it (JSON, docs/MODEL_FORMAT.md).");
  f->add_option("--train", fit->train_path, "training sequences with labels")->required()->type_name("FILE");
  f->add_option("--model", fit->model_path, "model file to write")->required()->type_name("FILE");
  fit->input.add_to(*f);
  fit->grid.add_to(*f, true);
  f->callback([fit, &status] { status = run_reporting_errors([&] { fit->run(); }); });

  auto predict = std::make_shared<PredictCommand>();
  CLI::App* p = app.add_subcommand(
      "predict", "Predict with a saved model: one label (or value) per line; the accuracy on stderr when the input has labels.");
  p->add_option("--model", predict->model_path, "model file written by fit or classify")->required()->type_name("FILE");
  p->add_option("--input", predict->input_path, "sequences to predict")->required()->type_name("FILE");
  p->add_option("-o,--out", predict->out_path, "write predictions here (default stdout)")->type_name("FILE");
  predict->input.add_to(*p);
  p->callback([predict, &status] { status = run_reporting_errors([&] { predict->run(); }); });
}

}  // namespace rntk::cli
