// rntk demo: the main job on built-in data. Noisy sinusoids of different lengths whose class is the
// frequency, a training and a test set; the RNTK family on the raw sequences against baselines that
// need the series padded to one length; a table of accuracies and times.
#include <cstdio>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "options.hpp"
#include "progress.hpp"
#include "rntk/compare.hpp"
#include "rntk/synthetic.hpp"

namespace rntk::cli {
namespace {

struct DemoCommand {
  SyntheticOptions data;
  std::string methods = "rntk,rbf,mlp-ntk,linear";
  GridOptions grid;
  void run() const;
};

void DemoCommand::run() const {
  SyntheticOptions test_options = data;
  test_options.seed = data.seed + 1000;
  const Dataset train = synthetic_sinusoids(data);
  const Dataset test = synthetic_sinusoids(test_options);
  std::printf("rntk demo: noisy sinusoids, %d classes (the frequency), random phase, noise sd %g,\n"
              "lengths %zu..%zu; %zu training and %zu test sequences. The recurrent kernels compare\n"
              "the raw sequences; the baselines need them zero-padded to one length.\n\n",
              data.classes, data.noise, data.min_length, data.max_length, train.sequences.size(),
              test.sequences.size());
  std::vector<MethodGrid> grids;
  for (const std::string& m : split_list(methods)) {
    std::vector<Settings> points = grid.points(m);
    for (Settings& s : points) s.model.pad = true;  // only the baselines read it
    grids.emplace_back(m, points);
  }
  ProgressBar bar;
  const std::vector<MethodResult> results =
      compare_methods(train, test, grids, [&](double f, const std::string& note) { bar.update(f, note); });
  bar.finish();
  std::printf("%-9s %8s %8s %9s %8s  %s\n", "method", "cv acc", "test acc", "train s", "test s", "chosen by 5-fold cross-validation");
  for (const MethodResult& r : results) {
    std::printf("%-9s %8.4f %8.4f %9.3f %8.3f  %s\n", r.method.c_str(), r.chosen.cv_score, r.test_score,
                r.train_seconds, r.test_seconds, describe(r.chosen.settings).c_str());
  }
  std::printf("\n(chance accuracy is %.4f; rntk ucr runs the same protocol on a UCR archive)\n", 1.0 / data.classes);
}

}  // namespace

void add_demo_command(CLI::App& app, int& status) {
  auto command = std::make_shared<DemoCommand>();
  CLI::App* sub = app.add_subcommand(
      "demo", "Run rntk on built-in data: classify noisy sinusoids of different lengths with the "
              "RNTK family and with baselines on padded series; print accuracies and times.");
  sub->add_option("--per-class", command->data.per_class, "sequences per class in each set (default 20)");
  sub->add_option("--classes", command->data.classes, "number of classes (default 3)");
  sub->add_option("--min-length", command->data.min_length, "shortest sequence (default 20)");
  sub->add_option("--max-length", command->data.max_length, "longest sequence (default 80)");
  sub->add_option("--noise", command->data.noise, "standard deviation of the noise (default 0.3)");
  sub->add_option("--data-seed", command->data.seed, "random seed of the data (default 1)");
  sub->add_option("--methods", command->methods, "comma-separated methods (default rntk,rbf,mlp-ntk,linear)");
  command->grid.add_to(*sub, false);
  sub->callback([command, &status] { status = run_reporting_errors([&] { command->run(); }); });
}

void add_params_command(CLI::App& app, int& status) {
  CLI::App* sub = app.add_subcommand(
      "params", "Print every parameter with its default and allowed range (--markdown: the table "
                "of docs/PARAMETERS.md).");
  auto markdown = std::make_shared<bool>(false);
  sub->add_flag("--markdown", *markdown, "print a Markdown table");
  sub->callback([markdown, &status] {
    status = run_reporting_errors([&] { std::cout << (*markdown ? params_markdown() : params_help()); });
  });
}

}  // namespace rntk::cli
