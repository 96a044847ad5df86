// rntk predict-dynamics: what an infinitely wide RNN predicts after gradient-flow training for given
// times (from its NTK), and the Gaussian-process posterior of its NNGP (dynamics.hpp).
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "options.hpp"
#include "rntk/dynamics.hpp"
#include "rntk/error.hpp"
#include "rntk/gram.hpp"
#include "rntk/model.hpp"
#include "rntk/preprocess.hpp"
#include "shortest.hpp"

namespace rntk::cli {
namespace {

struct DynamicsCommand {
  std::string train_path, test_path, out_path, times_text = "1,10,100,1000,inf";
  double eta = 1.0;
  double noise = 1e-6;
  InputOptions input;
  ParamOptions params;
  void run() const;
};

std::vector<double> parse_times(const std::string& text) {
  std::vector<double> times;
  for (const std::string& item : split_list(text)) {
    if (item == "inf" || item == "infinity") {
      times.push_back(kInfiniteTime);
      continue;
    }
    char* end = nullptr;
    const double t = std::strtod(item.c_str(), &end);
    if (end == item.c_str() || *end != '\0' || !(t >= 0.0)) {
      throw parameter_error("--times: '" + item + "' is not a time >= 0 (or inf)");
    }
    times.push_back(t);
  }
  if (times.empty()) throw parameter_error("--times: give at least one time");
  return times;
}

void DynamicsCommand::run() const {
  const Settings settings = params.settings();
  const std::vector<double> times = parse_times(times_text);
  std::unique_ptr<AtomicFile> out = out_path.empty() ? nullptr : std::make_unique<AtomicFile>(out_path);
  const Dataset train = input.read(train_path);
  const Dataset test = input.read(test_path);
  const Targets t = make_targets(train.labels, settings.model.task);
  const bool classification = settings.model.task == Task::kClassification;
  const Eigen::MatrixXd y = classification ? one_hot(t.class_of, static_cast<int>(t.classes.size()))
                                           : Eigen::MatrixXd(Eigen::Map<const Eigen::VectorXd>(
                                                 t.value_of.data(), static_cast<Eigen::Index>(t.value_of.size())));
  // The network's own kernels: z-normalised series (when set), no cosine normalisation.
  const SequenceSet x = prepare(train.sequences.view(), settings.model);
  const SequenceSet z = prepare(test.sequences.view(), settings.model);
  const GramResult k_train = gram(x.view(), settings);
  const GramResult k_test = gram(z.view(), x.view(), settings);
  const std::vector<Eigen::MatrixXd> flow = gradient_flow_mean(k_train.ntk, k_test.ntk, y, eta, times);
  const GpPosterior gp = gp_posterior(k_train.nngp, k_test.nngp, self_kernels(z.view(), settings, false), y, noise);

  auto label = [&](const Eigen::MatrixXd& m, Eigen::Index r) {
    if (!classification) return shortest_text(m(r, 0));
    Eigen::Index c = 0;
    m.row(r).maxCoeff(&c);
    return t.classes[static_cast<std::size_t>(c)];
  };
  auto score = [&](const Eigen::MatrixXd& m) {
    std::vector<std::string> predicted;
    std::vector<double> values;
    for (Eigen::Index r = 0; r < m.rows(); ++r) {
      predicted.push_back(label(m, r));
      values.push_back(m(r, 0));
    }
    return classification ? accuracy(predicted, test.labels) : rmse(values, test.labels);
  };
  const bool scored = !test.labels.empty();
  std::printf("train: %zu sequences, test: %zu; NTK gradient flow with eta %g, NNGP posterior with noise %g\n",
              train.sequences.size(), test.sequences.size(), eta, noise);
  for (std::size_t i = 0; i < times.size(); ++i) {
    std::printf("t = %-10s %s", std::isinf(times[i]) ? "inf" : shortest_text(times[i]).c_str(),
                scored ? (std::string(classification ? "accuracy " : "RMSE ") + shortest_text(score(flow[i]))).c_str() : "");
    std::printf("\n");
  }
  if (scored) {
    std::printf("GP posterior mean: %s %s, mean predictive variance %g\n", classification ? "accuracy" : "RMSE",
                shortest_text(score(gp.mean)).c_str(), gp.variance.mean());
  }
  if (out) {
    std::ostream& o = out->stream();
    for (const double time : times) o << "t=" << (std::isinf(time) ? "inf" : shortest_text(time)) << '\t';
    o << "gp_mean\tgp_variance\n";
    for (Eigen::Index r = 0; r < gp.mean.rows(); ++r) {
      for (const Eigen::MatrixXd& m : flow) o << label(m, r) << '\t';
      o << label(gp.mean, r) << '\t' << shortest_text(gp.variance[r]) << '\n';
    }
    out->commit();
    std::fprintf(stderr, "rntk: wrote %s\n", out->path().c_str());
  }
}

}  // namespace

void add_dynamics_command(CLI::App& app, int& status) {
  auto command = std::make_shared<DynamicsCommand>();
  CLI::App* sub = app.add_subcommand(
      "predict-dynamics",
      "Predict what the infinitely wide RNN of the kernel parameters predicts after training by "
      "gradient flow on the squared error for given times (its NTK: t = inf is kernel regression), "
      "and the Gaussian-process posterior of its NNGP. Classification regresses one-hot targets.");
  sub->add_option("--train", command->train_path, "training sequences with labels (targets)")->required()->type_name("FILE");
  sub->add_option("--test", command->test_path, "sequences to predict (labels, if any, are scored)")->required()->type_name("FILE");
  sub->add_option("--times", command->times_text, "comma-separated training times, inf allowed (default 1,10,100,1000,inf)");
  sub->add_option("--eta", command->eta, "learning rate of the gradient flow (default 1)");
  sub->add_option("--noise", command->noise, "noise variance of the Gaussian-process posterior (default 1e-6)");
  sub->add_option("-o,--out", command->out_path, "TSV of predictions: one column per time, then the GP mean and variance")
      ->type_name("FILE");
  command->input.add_to(*sub);
  command->params.add_to(*sub, {ParamSpec::Group::kKernel, ParamSpec::Group::kModel, ParamSpec::Group::kEngine});
  sub->callback([command, &status] { status = run_reporting_errors([&] { command->run(); }); });
}

}  // namespace rntk::cli
