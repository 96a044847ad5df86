#include "rntk/model.hpp"

#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>

#include "rntk/error.hpp"
#include "rntk/kernels.hpp"
#include "rntk/nystrom.hpp"
#include "rntk/preprocess.hpp"
#include "rntk/version.hpp"

namespace rntk {
namespace {

using nlohmann::json;

constexpr int kFormatVersion = 1;

json settings_to_json(const Settings& s) {
  json j = json::object();
  for (const ParamSpec& spec : param_specs()) {
    const double v = spec.get(s);
    if (spec.type == ParamSpec::Type::kChoice || spec.type == ParamSpec::Type::kBool) {
      j[spec.name] = spec.format(v);
    } else {
      j[spec.name] = v;
    }
  }
  return j;
}

Settings settings_from_json(const json& j) {
  Settings s;
  for (const auto& [name, value] : j.items()) {
    const ParamSpec& spec = param_spec(name);
    if (value.is_string()) {
      spec.set(s, spec.parse(value.get<std::string>()));
    } else {
      const double v = value.get<double>();
      spec.check(v);
      spec.set(s, v);
    }
  }
  return s;
}

json svm_to_json(const SvmClassifier::State& st) {
  return {{"n_classes", st.n_classes}, {"labels", st.labels}, {"support_per_class", st.support_per_class},
          {"coef", st.coef}, {"rho", st.rho}, {"kernel_scale", st.kernel_scale}};
}

// nlohmann::json converts a fractional number to an integer type by a plain cast, which is undefined
// outside the type's range (1e30 as int); so whole numbers are read through this check.
template <class Int>
Int whole_number(const json& j, const std::string& what) {
  constexpr auto lo = std::numeric_limits<Int>::min();
  constexpr auto hi = std::numeric_limits<Int>::max();
  if (j.is_number_unsigned() && j.get<std::uint64_t>() <= static_cast<std::uint64_t>(hi)) return static_cast<Int>(j.get<std::uint64_t>());
  if (j.is_number_integer() && !j.is_number_unsigned() && j.get<std::int64_t>() >= static_cast<std::int64_t>(lo) &&
      (j.get<std::int64_t>() < 0 || static_cast<std::uint64_t>(j.get<std::int64_t>()) <= static_cast<std::uint64_t>(hi))) {
    return static_cast<Int>(j.get<std::int64_t>());
  }
  throw input_error(what + ": expected a whole number in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                    "], found " + j.dump());
}

template <class Int>
std::vector<Int> whole_numbers(const json& j, const std::string& what) {
  if (!j.is_array()) throw input_error(what + ": expected an array of whole numbers, found " + j.dump());
  std::vector<Int> out;
  for (const json& e : j) out.push_back(whole_number<Int>(e, what));
  return out;
}

// Numbers the learner multiplies with: a JSON number beyond a double's range (1e999) reads as inf.
void check_finite(const std::vector<double>& values, const std::string& what) {
  for (double v : values) {
    if (!std::isfinite(v)) throw input_error(what + ": every value must be finite");
  }
}

SvmClassifier::State svm_from_json(const json& j, std::size_t n_support, std::size_t n_labels) {
  SvmClassifier::State st;
  st.n_classes = whole_number<int>(j.at("n_classes"), "svm n_classes");
  st.labels = whole_numbers<int>(j.at("labels"), "svm labels");
  st.support_per_class = whole_numbers<int>(j.at("support_per_class"), "svm support_per_class");
  st.coef = j.at("coef").get<std::vector<std::vector<double>>>();
  st.rho = j.at("rho").get<std::vector<double>>();
  st.kernel_scale = j.at("kernel_scale").get<double>();
  st.support.resize(n_support);
  std::iota(st.support.begin(), st.support.end(), std::size_t{0});
  const auto k = static_cast<std::size_t>(st.n_classes);
  bool ok = st.n_classes >= 1 && st.labels.size() == k && st.support_per_class.size() == k &&
            st.coef.size() == k - 1 && st.rho.size() == k * (k - 1) / 2;
  for (const auto& row : st.coef) {
    ok = ok && row.size() == n_support;
    check_finite(row, "svm coef");
  }
  check_finite(st.rho, "svm rho");
  // libsvm walks the support vectors class by class (nSV) and returns one of `labels`, an index
  // into the model's classes: both must fit, or prediction reads past the ends.
  std::size_t counted = 0;
  for (int n : st.support_per_class) {
    ok = ok && n >= 0;
    counted += static_cast<std::size_t>(std::max(n, 0));
  }
  for (int label : st.labels) ok = ok && label >= 0 && static_cast<std::size_t>(label) < n_labels;
  if (!ok || counted != n_support) {
    throw input_error("the SVM state does not match its " + std::to_string(n_support) + " support sequences and " +
                      std::to_string(n_labels) + " classes");
  }
  if (!(st.kernel_scale > 0 && std::isfinite(st.kernel_scale))) throw input_error("svm kernel_scale must be positive and finite");
  return st;
}

}  // namespace

Model Model::from_ridge(const Settings& settings, std::vector<std::string> classes, std::size_t flat_length,
                        SequenceSet support, Eigen::MatrixXd coefficients) {
  Model m;
  m.settings_ = settings;
  m.classes_ = std::move(classes);
  m.flat_length_ = flat_length;
  m.support_ = std::move(support);
  m.ridge_ = KernelRidge(std::move(coefficients));
  return m;
}

Model Model::fit(const Dataset& train, const Settings& s) {
  validate(s);
  // Before preprocessing, so that a bad value is reported where it is in the data given.
  train.sequences.view().validate(train.source.empty() ? "training data" : train.source.c_str());
  if (s.model.nystrom > 0) return nystrom_select_and_fit(train, {s}, local_cluster()).model;
  if (s.model.task == Task::kRegression && s.model.learner == Learner::kSvm) {
    throw parameter_error("regression uses the ridge learner (give learner = ridge)");
  }
  const Targets t = make_targets(train.labels, s.model.task);
  Model m;
  m.settings_ = s;
  m.classes_ = t.classes;
  const SequenceSet x = prepare(train.sequences.view(), s.model);
  m.flat_length_ = x.view().max_length();
  const Matrix k = kernel_matrices({s}, x.view(), nullptr, m.flat_length_)[0];
  std::vector<std::size_t> all(x.size());
  std::iota(all.begin(), all.end(), std::size_t{0});
  if (s.model.task == Task::kClassification && s.model.learner == Learner::kSvm) {
    m.svm_ = SvmClassifier::train(k, all, t.class_of, s.model.C);
    m.support_ = subset(x.view(), m.svm_->support());
    // Columns of the kernel at prediction time are the support sequences in this order.
    SvmClassifier::State st = m.svm_->state();
    std::iota(st.support.begin(), st.support.end(), std::size_t{0});
    m.svm_ = SvmClassifier(std::move(st));
    return m;
  }
  Eigen::MatrixXd y;
  if (s.model.task == Task::kClassification) {
    y = one_hot(t.class_of, static_cast<int>(t.classes.size()));
  } else {
    y = Eigen::Map<const Eigen::VectorXd>(t.value_of.data(), static_cast<Eigen::Index>(t.value_of.size()));
  }
  m.ridge_ = KernelRidge::fit(k, all, y, s.model.alpha);
  m.support_ = subset(x.view(), all);
  return m;
}

Prediction Model::predict(SequenceSetView x) const {
  x.validate("sequences to predict");
  if (x.dim() != support_.dim()) {
    throw input_error("the model was trained on sequences of dimension " + std::to_string(support_.dim()) +
                      ", these have dimension " + std::to_string(x.dim()));
  }
  const SequenceSet px = prepare(x, settings_.model);
  const SequenceSetView sv = support_.view();
  const Matrix k = kernel_matrices({settings_}, px.view(), &sv, flat_length_)[0];
  Prediction p;
  if (svm_) {
    for (int c : svm_->predict(k)) p.labels.push_back(classes_[static_cast<std::size_t>(c)]);
    return p;
  }
  const Eigen::MatrixXd out = ridge_->predict(k);
  if (settings_.model.task == Task::kClassification) {
    for (int c : argmax_rows(out)) p.labels.push_back(classes_[static_cast<std::size_t>(c)]);
    return p;
  }
  for (Eigen::Index i = 0; i < out.rows(); ++i) {
    p.values.push_back(out(i, 0));
    p.labels.push_back(std::to_string(out(i, 0)));
  }
  return p;
}

void Model::save(const std::string& path) const {
  AtomicFile file(path);
  save(file.stream());
  file.commit();
}

void Model::save(std::ostream& out) const {
  json j;
  j["format"] = "rntk-model";
  j["version"] = kFormatVersion;
  j["rntk_version"] = RNTK_VERSION;
  j["settings"] = settings_to_json(settings_);
  j["classes"] = classes_;
  j["flat_length"] = flat_length_;
  std::vector<std::size_t> lengths;
  for (std::size_t i = 0; i < support_.size(); ++i) lengths.push_back(support_.view().length(i));
  j["support"] = {{"dim", support_.dim()}, {"lengths", lengths}, {"values", support_.values()}};
  if (svm_) {
    j["learner"] = {{"svm", svm_to_json(svm_->state())}};
  } else {
    std::vector<std::vector<double>> coef;
    for (Eigen::Index r = 0; r < ridge_->coefficients().rows(); ++r) {
      const Eigen::VectorXd row = ridge_->coefficients().row(r);
      coef.emplace_back(row.data(), row.data() + row.size());
    }
    j["learner"] = {{"ridge", {{"coefficients", coef}}}};
  }
  out << j.dump() << '\n';
}

Model Model::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw io_error(path + ": cannot open for reading (missing file or no permission)");
  return load(in, path);
}

Model Model::load(std::istream& in, const std::string& path) {
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception& e) {
    throw input_error(path + ": not a JSON model file (" + e.what() + ")");
  }
  try {
    if (!j.is_object() || j.value("format", "") != "rntk-model") {
      throw input_error("not an rntk model file (no \"format\": \"rntk-model\")");
    }
    const int version = whole_number<int>(j.at("version"), "version");
    if (version > kFormatVersion) {
      throw input_error("model format version " + std::to_string(version) +
                        " is newer than this rntk reads (" + std::to_string(kFormatVersion) + ")");
    }
    Model m;
    m.settings_ = settings_from_json(j.at("settings"));
    validate(m.settings_);  // what no single parameter's range says (frozen_layers <= layers, ...)
    m.classes_ = j.at("classes").get<std::vector<std::string>>();
    m.flat_length_ = whole_number<std::size_t>(j.at("flat_length"), "flat_length");
    // The longest training series: baseline kernels flatten to it, and a length of 0 has no steps.
    if (m.flat_length_ == 0) throw input_error("flat_length must be at least 1 (the longest training series)");
    const json& support = j.at("support");
    const auto dim = whole_number<std::size_t>(support.at("dim"), "support dim");
    if (dim == 0) throw input_error("support sequences of dimension 0 (a series has at least one channel)");
    m.support_ = SequenceSet(dim);
    const std::vector<double> values = support.at("values").get<std::vector<double>>();
    std::size_t at = 0;
    for (const std::size_t length : whole_numbers<std::size_t>(support.at("lengths"), "support lengths")) {
      const std::size_t count = length * m.support_.dim();
      if (at + count > values.size()) throw input_error("support values are shorter than their lengths say");
      m.support_.append(std::span<const double>(values.data() + at, count));
      at += count;
    }
    m.support_.view().validate("support sequences");
    if (m.support_.size() == 0) throw input_error("no support sequences");
    const json& learner = j.at("learner");
    if (learner.contains("svm")) {
      if (m.settings_.model.task != Task::kClassification) throw input_error("an SVM model must have task = classification");
      m.svm_ = SvmClassifier(svm_from_json(learner.at("svm"), m.support_.size(), m.classes_.size()));
    } else {
      const auto rows = learner.at("ridge").at("coefficients").get<std::vector<std::vector<double>>>();
      Eigen::MatrixXd coef(static_cast<Eigen::Index>(rows.size()), rows.empty() ? 0 : static_cast<Eigen::Index>(rows[0].size()));
      for (std::size_t r = 0; r < rows.size(); ++r) {
        if (static_cast<Eigen::Index>(rows[r].size()) != coef.cols()) throw input_error("ragged ridge coefficients");
        for (std::size_t c = 0; c < rows[r].size(); ++c) coef(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) = rows[r][c];
      }
      if (rows.size() != m.support_.size()) throw input_error("ridge coefficients do not match the support sequences");
      // One output column per class (prediction takes the largest), or one for regression.
      const std::size_t outputs = m.settings_.model.task == Task::kClassification ? m.classes_.size() : 1;
      if (static_cast<std::size_t>(coef.cols()) != outputs) {
        throw input_error("ridge coefficients have " + std::to_string(coef.cols()) + " columns, the model needs " +
                          std::to_string(outputs) + " (one per class, or one for regression)");
      }
      if (!coef.allFinite()) throw input_error("ridge coefficients: every value must be finite");
      m.ridge_ = KernelRidge(std::move(coef));
    }
    return m;
  } catch (const json::exception& e) {
    throw input_error(path + ": malformed model file: " + e.what());
  } catch (const Error& e) {
    // Every error names the file, also a bad parameter in its settings (same kind, so callers can
    // still tell a parameter error from malformed data).
    throw Error(e.kind(), path + ": " + e.what());
  }
}

Selection select_and_fit(const Dataset& train, const std::vector<Settings>& points,
                         const Progress& progress) {
  if (!points.empty() && points[0].model.nystrom > 0) return nystrom_select_and_fit(train, points, local_cluster(), progress);
  Selection s;
  if (points.size() == 1) {
    s.candidates = {{points[0], std::nan("")}};
  } else {
    s.candidates = cross_validate(train, points, progress);
    s.best = best_candidate(s.candidates);
  }
  s.model = Model::fit(train, s.candidates[s.best].settings);
  return s;
}

double accuracy(const std::vector<std::string>& predicted, const std::vector<std::string>& truth) {
  if (predicted.size() != truth.size() || truth.empty()) throw input_error("accuracy: no labels to compare");
  std::size_t correct = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) correct += predicted[i] == truth[i];
  return static_cast<double>(correct) / static_cast<double>(truth.size());
}

double rmse(const std::vector<double>& predicted, const std::vector<std::string>& truth) {
  if (predicted.size() != truth.size() || truth.empty()) throw input_error("rmse: no targets to compare");
  double sse = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    const double e = predicted[i] - std::strtod(truth[i].c_str(), nullptr);
    sse += e * e;
  }
  return std::sqrt(sse / static_cast<double>(truth.size()));
}

}  // namespace rntk
