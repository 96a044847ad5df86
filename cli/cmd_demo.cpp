// rntk demo: the main job on built-in data. A set of noisy sinusoids of different lengths (class =
// frequency), its NTK and NNGP Gram matrices, and a summary that shows what the kernels see.
#include <Eigen/Dense>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <limits>

#include "commands.hpp"
#include "options.hpp"
#include "rntk/gram.hpp"
#include "rntk/synthetic.hpp"

namespace rntk::cli {
namespace {

struct DemoCommand {
  SyntheticOptions data;
  ParamOptions params;
  void run() const;
};

double cosine(const Matrix& k, std::size_t i, std::size_t j) {
  return k(i, j) / std::sqrt(k(i, i) * k(j, j));
}

// Leave-one-out 1-nearest-neighbour accuracy in the kernel's geometry: the neighbour of i is the j
// with the largest cosine similarity.
double loo_nearest_neighbour_accuracy(const Matrix& k, const std::vector<std::string>& labels) {
  std::size_t correct = 0;
  for (std::size_t i = 0; i < k.rows(); ++i) {
    std::size_t best = i;
    double best_similarity = -std::numeric_limits<double>::infinity();
    for (std::size_t j = 0; j < k.cols(); ++j) {
      if (j != i && cosine(k, i, j) > best_similarity) {
        best_similarity = cosine(k, i, j);
        best = j;
      }
    }
    correct += labels[best] == labels[i];
  }
  return static_cast<double>(correct) / static_cast<double>(k.rows());
}

struct Summary {
  double min_diagonal, max_diagonal, min_eigen_over_trace, same_class, other_class, loo_accuracy;
};

Summary summarise(const Matrix& k, const std::vector<std::string>& labels) {
  Summary s{k(0, 0), k(0, 0), 0, 0, 0, 0};
  double same = 0, other = 0, n_same = 0, n_other = 0, trace = 0;
  for (std::size_t i = 0; i < k.rows(); ++i) {
    s.min_diagonal = std::min(s.min_diagonal, k(i, i));
    s.max_diagonal = std::max(s.max_diagonal, k(i, i));
    trace += k(i, i);
    for (std::size_t j = 0; j < k.cols(); ++j) {
      if (i == j) continue;
      (labels[i] == labels[j] ? same : other) += cosine(k, i, j);
      (labels[i] == labels[j] ? n_same : n_other) += 1;
    }
  }
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const Eigen::Map<const RowMajor> map(k.data(), static_cast<Eigen::Index>(k.rows()),
                                       static_cast<Eigen::Index>(k.cols()));
  s.min_eigen_over_trace = Eigen::SelfAdjointEigenSolver<RowMajor>(map, Eigen::EigenvaluesOnly).eigenvalues()(0) / trace;
  s.same_class = same / n_same;
  s.other_class = other / n_other;
  s.loo_accuracy = loo_nearest_neighbour_accuracy(k, labels);
  return s;
}

void DemoCommand::run() const {
  const Settings settings = params.settings();
  const Dataset d = synthetic_sinusoids(data);
  const SequenceSetView x = d.sequences.view();
  const auto start = std::chrono::steady_clock::now();
  const GramResult k = gram(x, settings);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double cells = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    for (std::size_t j = i; j < x.size(); ++j) cells += static_cast<double>(std::min(x.length(i), x.length(j)));
  }
  cells *= settings.kernel.layers;

  const KernelParams& p = settings.kernel;
  std::printf("rntk demo: %zu built-in noisy sinusoids, %d classes (the frequency), lengths %zu..%zu, "
              "%zu channel(s)\n", x.size(), data.classes, data.min_length, data.max_length, x.dim());
  std::printf("kernel: last-state RNTK and NNGP, %s, L=%d, sigma_w=%g sigma_u=%g sigma_b=%g "
              "sigma_h=%g sigma_v=%g\n", activation_name(p.activation), p.layers, p.sigma_w,
              p.sigma_u, p.sigma_b, p.sigma_h, p.sigma_v);
  std::printf("Gram matrix %zu x %zu in %.3f s (%.3g cell-layer updates/s)\n\n", x.size(), x.size(),
              seconds, cells / seconds);
  const Summary ntk = summarise(k.ntk, d.labels);
  const Summary nngp = summarise(k.nngp, d.labels);
  std::printf("%-44s %12s %12s\n", "", "NTK", "NNGP");
  std::printf("%-44s %12.4g %12.4g\n", "smallest diagonal K(x, x)", ntk.min_diagonal, nngp.min_diagonal);
  std::printf("%-44s %12.4g %12.4g\n", "largest diagonal K(x, x)", ntk.max_diagonal, nngp.max_diagonal);
  std::printf("%-44s %12.2e %12.2e\n", "smallest eigenvalue / trace (PSD: >= -1e-9)",
              ntk.min_eigen_over_trace, nngp.min_eigen_over_trace);
  std::printf("%-44s %12.4f %12.4f\n", "mean cosine similarity, same class", ntk.same_class, nngp.same_class);
  std::printf("%-44s %12.4f %12.4f\n", "mean cosine similarity, different class", ntk.other_class, nngp.other_class);
  std::printf("%-44s %12.4f %12.4f\n", "leave-one-out 1-NN accuracy in kernel space", ntk.loo_accuracy, nngp.loo_accuracy);
  std::printf("\n(chance accuracy is %.4f; try --sigma-w, --layers, --activation erf)\n", 1.0 / data.classes);
}

}  // namespace

void add_demo_command(CLI::App& app, int& status) {
  auto command = std::make_shared<DemoCommand>();
  CLI::App* sub = app.add_subcommand(
      "demo", "Run rntk on built-in data: Gram matrices of noisy sinusoids of different lengths, "
              "with a summary of what the kernels separate.");
  sub->add_option("--per-class", command->data.per_class, "sequences per class (default 20)");
  sub->add_option("--classes", command->data.classes, "number of classes (default 3)");
  sub->add_option("--min-length", command->data.min_length, "shortest sequence (default 20)");
  sub->add_option("--max-length", command->data.max_length, "longest sequence (default 80)");
  sub->add_option("--seed", command->data.seed, "random seed of the data (default 1)");
  command->params.add_to(*sub, {ParamSpec::Group::kKernel, ParamSpec::Group::kEngine});
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
