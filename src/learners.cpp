#include "rntk/learners.hpp"

#include <libsvm/svm.h>

#include <cmath>
#include <memory>
#include <string>

#include "rntk/error.hpp"
#include "rntk/stop.hpp"

namespace rntk {
namespace {

void discard(const char*) {}

// libsvm prints progress to stdout unless told otherwise; this is done once, before any training.
void silence_libsvm() {
  static const bool silenced = [] {
    svm_set_print_string_function(&discard);
    return true;
  }();
  (void)silenced;
}

// A training problem in libsvm's terms and the model trained on it.
struct SvmJob {
  std::vector<svm_node> nodes;
  std::vector<svm_node*> x;
  std::vector<double> y;
  svm_problem problem{};
  svm_parameter param{};
  svm_model* model = nullptr;
  SvmJob() = default;
  SvmJob(const SvmJob&) = delete;
  SvmJob& operator=(const SvmJob&) = delete;
  ~SvmJob() { svm_free_and_destroy_model(&model); }
};

svm_parameter svm_parameters(double C) {
  svm_parameter p{};
  p.svm_type = C_SVC;
  p.kernel_type = PRECOMPUTED;
  p.cache_size = 200;
  p.eps = 1e-3;
  p.C = C;
  p.shrinking = 1;
  p.probability = 0;
  return p;
}

}  // namespace

Matrix submatrix(const Matrix& k, const std::vector<std::size_t>& rows,
                 const std::vector<std::size_t>& cols) {
  Matrix out(rows.size(), cols.size());
  for (std::size_t a = 0; a < rows.size(); ++a) {
    for (std::size_t b = 0; b < cols.size(); ++b) out(a, b) = k(rows[a], cols[b]);
  }
  return out;
}

SvmClassifier SvmClassifier::train(const Matrix& k, const std::vector<std::size_t>& rows,
                                   const std::vector<int>& classes, double C) {
  silence_libsvm();
  const std::size_t n = rows.size();
  double scale = 0.0;
  for (std::size_t a = 0; a < n; ++a) scale += k(rows[a], rows[a]);
  scale /= static_cast<double>(n);
  if (!(scale > 0.0) || !std::isfinite(scale)) scale = 1.0;
  // libsvm's precomputed format: row a is {0: a + 1 (serial), 1: K(a, 1), ..., n: K(a, n), end}.
  // The problem lives in a shared job, as libsvm may still be reading it after an interrupt.
  auto job = std::make_shared<SvmJob>();
  job->nodes.resize(n * (n + 2));
  job->x.resize(n);
  job->y.resize(n);
  for (std::size_t a = 0; a < n; ++a) {
    svm_node* row = &job->nodes[a * (n + 2)];
    row[0] = {0, static_cast<double>(a + 1)};
    for (std::size_t b = 0; b < n; ++b) row[b + 1] = {static_cast<int>(b + 1), k(rows[a], rows[b]) / scale};
    row[n + 1] = {-1, 0.0};
    job->x[a] = row;
    job->y[a] = classes[a];
  }
  job->problem = svm_problem{static_cast<int>(n), job->y.data(), job->x.data()};
  job->param = svm_parameters(C);
  if (const char* error = svm_check_parameter(&job->problem, &job->param)) {
    throw parameter_error(std::string("libsvm: ") + error);
  }
  // svm_train has no way to stop early; on Ctrl-C this returns and the solver finishes unseen.
  run_abandonable([job] { job->model = svm_train(&job->problem, &job->param); });
  const svm_model* model = job->model;
  State s;
  s.kernel_scale = scale;
  s.n_classes = model->nr_class;
  s.labels.assign(model->label, model->label + model->nr_class);
  s.support_per_class.assign(model->nSV, model->nSV + model->nr_class);
  for (int c = 0; c + 1 < model->nr_class; ++c) s.coef.emplace_back(model->sv_coef[c], model->sv_coef[c] + model->l);
  s.rho.assign(model->rho, model->rho + model->nr_class * (model->nr_class - 1) / 2);
  for (int j = 0; j < model->l; ++j) s.support.push_back(static_cast<std::size_t>(model->sv_indices[j] - 1));
  return SvmClassifier(std::move(s));
}

std::vector<int> SvmClassifier::predict(const Matrix& k_support) const {
  const std::size_t l = state_.support.size();
  if (k_support.cols() != l) {
    throw input_error("SVM prediction needs the kernel against its " + std::to_string(l) +
                      " support vectors, got " + std::to_string(k_support.cols()) + " columns");
  }
  // A libsvm model whose support vector j is the serial j + 1 of the test rows below.
  std::vector<svm_node> sv_nodes(2 * l);
  std::vector<svm_node*> sv(l);
  for (std::size_t j = 0; j < l; ++j) {
    sv_nodes[2 * j] = {0, static_cast<double>(j + 1)};
    sv_nodes[2 * j + 1] = {-1, 0.0};
    sv[j] = &sv_nodes[2 * j];
  }
  std::vector<std::vector<double>> coef = state_.coef;
  std::vector<double*> coef_rows;
  for (std::vector<double>& c : coef) coef_rows.push_back(c.data());
  std::vector<double> rho = state_.rho;
  std::vector<int> labels = state_.labels;
  std::vector<int> support_per_class = state_.support_per_class;
  svm_model model{};
  model.param = svm_parameters(1.0);
  model.nr_class = state_.n_classes;
  model.l = static_cast<int>(l);
  model.SV = sv.data();
  model.sv_coef = coef_rows.data();
  model.rho = rho.data();
  model.label = labels.data();
  model.nSV = support_per_class.data();

  std::vector<int> predicted(k_support.rows());
  std::vector<svm_node> x(l + 2);
  for (std::size_t i = 0; i < k_support.rows(); ++i) {
    x[0] = {0, 0.0};
    for (std::size_t j = 0; j < l; ++j) x[j + 1] = {static_cast<int>(j + 1), k_support(i, j) / state_.kernel_scale};
    x[l + 1] = {-1, 0.0};
    predicted[i] = static_cast<int>(svm_predict(&model, x.data()));
  }
  return predicted;
}

KernelRidge KernelRidge::fit(const Matrix& k, const std::vector<std::size_t>& rows,
                             const Eigen::MatrixXd& targets, double alpha) {
  const auto n = static_cast<Eigen::Index>(rows.size());
  // Shared with the solver, which may still be running after an interrupt (run_abandonable).
  struct Job {
    Eigen::MatrixXd a, targets, coef;
  };
  auto job = std::make_shared<Job>();
  Eigen::MatrixXd& a = job->a;
  a.resize(n, n);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = 0; j < n; ++j) a(i, j) = k(rows[static_cast<std::size_t>(i)], rows[static_cast<std::size_t>(j)]);
  }
  const double ridge = alpha * a.trace() / static_cast<double>(n);
  a.diagonal().array() += ridge > 0.0 ? ridge : alpha;
  job->targets = targets;
  run_abandonable([job, alpha] {
    const Eigen::LLT<Eigen::MatrixXd> cholesky(job->a);
    if (cholesky.info() == Eigen::Success) {
      job->coef = cholesky.solve(job->targets);
      return;
    }
    // Rounding can make K + ridge I numerically indefinite for a tiny lambda: LDL^T still solves it.
    const Eigen::LDLT<Eigen::MatrixXd> ldlt(job->a);
    if (ldlt.info() != Eigen::Success) {
      throw numeric_error("kernel ridge: K + alpha I is singular; increase alpha (now " +
                          std::to_string(alpha) + ")");
    }
    job->coef = ldlt.solve(job->targets);
  });
  return KernelRidge(std::move(job->coef));
}

Eigen::MatrixXd KernelRidge::predict(const Matrix& k_train) const {
  if (static_cast<Eigen::Index>(k_train.cols()) != coef_.rows()) {
    throw input_error("kernel ridge prediction needs the kernel against its " +
                      std::to_string(coef_.rows()) + " training sequences, got " +
                      std::to_string(k_train.cols()) + " columns");
  }
  const Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> m(
      k_train.data(), static_cast<Eigen::Index>(k_train.rows()), static_cast<Eigen::Index>(k_train.cols()));
  return m * coef_;
}

Eigen::MatrixXd one_hot(const std::vector<int>& classes, int n_classes) {
  Eigen::MatrixXd y = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(classes.size()), n_classes);
  for (std::size_t i = 0; i < classes.size(); ++i) y(static_cast<Eigen::Index>(i), classes[i]) = 1.0;
  return y;
}

std::vector<int> argmax_rows(const Eigen::MatrixXd& outputs) {
  std::vector<int> best(static_cast<std::size_t>(outputs.rows()));
  for (Eigen::Index i = 0; i < outputs.rows(); ++i) {
    Eigen::Index j = 0;
    outputs.row(i).maxCoeff(&j);
    best[static_cast<std::size_t>(i)] = static_cast<int>(j);
  }
  return best;
}

}  // namespace rntk
