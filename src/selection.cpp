#include "rntk/selection.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <set>

#include "parallel.hpp"
#include "rntk/error.hpp"
#include "rntk/kernels.hpp"
#include "rntk/learners.hpp"
#include "rntk/preprocess.hpp"
#include "rntk/recursion.hpp"
#include "rntk/stop.hpp"
#include "shortest.hpp"

namespace rntk {
namespace {

std::string trim(std::string_view s) {
  const std::size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  const std::size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

std::vector<std::string> split(const std::string& s, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = s.find(separator, start);
    parts.push_back(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

// The parameters that only some kernels or learners use: a point keeps them at their base value
// unless its kernel or learner uses them, so that points differing only there are not repeated.
void canonicalise(Settings& s, const Settings& base) {
  const std::vector<std::string> used = kernel_parameter_names(s.model.kernel);
  for (KernelType k : {KernelType::kNtk, KernelType::kMlpNtk, KernelType::kRbf, KernelType::kPolynomial}) {
    for (const std::string& name : kernel_parameter_names(k)) {
      if (std::find(used.begin(), used.end(), name) == used.end()) {
        const ParamSpec& spec = param_spec(name);
        spec.set(s, spec.get(base));
      }
    }
  }
  if (s.model.scales == 1) s.model.scale_factor = base.model.scale_factor;
  if (s.model.learner == Learner::kSvm) s.model.alpha = base.model.alpha;
  if (s.model.learner == Learner::kRidge) s.model.C = base.model.C;
}

// Fisher-Yates with mt19937_64, whose output the C++ standard fixes: the same folds everywhere.
void shuffle(std::vector<std::size_t>& v, std::mt19937_64& rng) {
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng() % i]);
}

// A learner's regularisation strength, comparable between points of the same learner only.
bool more_regularised(const Settings& a, const Settings& b) {
  if (a.model.learner != b.model.learner) return false;
  return a.model.learner == Learner::kSvm ? a.model.C < b.model.C : a.model.alpha > b.model.alpha;
}

}  // namespace

std::vector<Settings> Grid::points(const Settings& base) const {
  std::vector<Settings> out;
  std::set<std::string> seen;
  std::vector<std::size_t> index(axes.size(), 0);
  while (true) {
    Settings s = base;
    for (std::size_t a = 0; a < axes.size(); ++a) set_param(s, axes[a].first, axes[a].second[index[a]]);
    canonicalise(s, base);
    if (seen.insert(settings_key(s)).second) out.push_back(s);
    std::size_t a = axes.size();
    while (a > 0 && ++index[a - 1] == axes[a - 1].second.size()) index[--a] = 0;
    if (a == 0) return out;
  }
}

std::string Grid::text() const {
  std::string t;
  for (const auto& [name, values] : axes) {
    t += (t.empty() ? "" : "; ") + name + " = ";
    for (std::size_t v = 0; v < values.size(); ++v) t += (v ? ", " : "") + values[v];
  }
  return t;
}

Grid parse_grid(const std::string& text, const std::string& source) {
  Grid grid;
  std::size_t line = 1;
  for (const std::string& raw_line : split(text, '\n')) {
    const std::string content = raw_line.substr(0, raw_line.find('#'));
    for (const std::string& raw_axis : split(content, ';')) {
      const std::string axis = trim(raw_axis);
      if (axis.empty()) continue;
      const std::size_t eq = axis.find('=');
      if (eq == std::string::npos) {
        throw parameter_error(source + ":" + std::to_string(line) + ": expected 'name = value, value, ...', found '" + axis + "'");
      }
      const std::string name = trim(axis.substr(0, eq));
      const std::string where = source + ":" + std::to_string(line) + ": ";
      const ParamSpec* spec = nullptr;
      std::vector<std::string> values;
      try {  // an unknown name or a bad value is reported at its line
        spec = &param_spec(name);
        for (const std::string& v : split(axis.substr(eq + 1), ',')) {
          const std::string value = trim(v);
          if (value.empty()) throw parameter_error("empty value for " + spec->name);
          spec->parse(value);  // checks the value now, with the parameter's name and range
          values.push_back(value);
        }
      } catch (const Error& e) {
        throw parameter_error(where + e.what());
      }
      auto existing = std::find_if(grid.axes.begin(), grid.axes.end(), [&](const auto& a) { return a.first == spec->name; });
      if (existing != grid.axes.end()) throw parameter_error(where + spec->name + " is given twice");
      grid.axes.emplace_back(spec->name, values);
    }
    ++line;
  }
  // Without this, a grid of blanks or comments would search one point of the defaults unnoticed.
  if (grid.axes.empty()) {
    throw parameter_error(source + ": the model-selection grid is empty (no axes); give one 'name = value, "
                          "value, ...' per line or separated by ';'");
  }
  return grid;
}

Grid merge_grids(const Grid& base, const Grid& over) {
  Grid merged = base;
  for (const auto& axis : over.axes) {
    auto existing = std::find_if(merged.axes.begin(), merged.axes.end(), [&](const auto& a) { return a.first == axis.first; });
    if (existing != merged.axes.end()) {
      existing->second = axis.second;
    } else {
      merged.axes.push_back(axis);
    }
  }
  return merged;
}

namespace {

// The default grids, documented in docs/CLASSIFY.md with the measurement that chose them.
const std::vector<std::pair<std::string, std::string>>& default_grids() {
  static const std::string recurrent =
      "activation = relu; sigma_w = 1.4142135623730951; sigma_u = 0.1, 0.5, 2; layers = 1, 2, 3; "
      "C = 1, 100, 10000";
  static const std::string wide_c = "C = 0.1, 1, 10, 100, 1000, 10000";
  static const std::vector<std::pair<std::string, std::string>> grids{
      // Bidirectional, mean pooling at 64 steps, repeated CV: docs/ACCURACY.md has the measurement.
      {"rntk", "kernel = ntk, nngp; bidirectional = true; readout = mean; target_length = 64; repeats = 3; " + recurrent},
      {"ntk", "kernel = ntk; " + recurrent},
      {"nngp", "kernel = nngp; " + recurrent},
      {"rbf", "kernel = rbf; gamma = 0.001, 0.004, 0.016, 0.0625, 0.25, 1, 4, 16; " + wide_c},
      {"poly", "kernel = poly; degree = 2, 3; gamma = 0.1, 1; " + wide_c},
      {"linear", "kernel = linear; " + wide_c},
      {"mlp-ntk", "kernel = mlp-ntk; layers = 1, 2, 3; sigma_b = 0, 0.1; " + wide_c},
      {"mlp-nngp", "kernel = mlp-nngp; layers = 1, 2, 3; sigma_b = 0, 0.1; " + wide_c},
  };
  return grids;
}

}  // namespace

std::string settings_key(const Settings& s) {
  std::string key;
  for (const ParamSpec& spec : param_specs()) key += spec.name + "=" + shortest_text(spec.get(s)) + " ";
  return key;
}

std::vector<std::string> method_names() {
  std::vector<std::string> names;
  for (const auto& [name, text] : default_grids()) names.push_back(name);
  return names;
}

Grid default_grid(const std::string& method) {
  for (const auto& [name, text] : default_grids()) {
    if (name == method) return parse_grid(text, "default grid " + name);
  }
  std::string known;
  for (const std::string& n : method_names()) known += (known.empty() ? "" : ", ") + n;
  throw parameter_error("unknown method '" + method + "'; known: " + known);
}

std::vector<int> assign_folds(const std::vector<int>& classes, std::size_t n, int folds,
                              std::uint64_t seed, bool stratified) {
  const std::size_t k = std::min<std::size_t>(static_cast<std::size_t>(folds), n);
  std::mt19937_64 rng(seed);
  std::vector<std::vector<std::size_t>> groups;
  if (stratified) {
    const int n_classes = classes.empty() ? 0 : *std::max_element(classes.begin(), classes.end()) + 1;
    groups.resize(static_cast<std::size_t>(n_classes));
    for (std::size_t i = 0; i < n; ++i) groups[static_cast<std::size_t>(classes[i])].push_back(i);
  } else {
    groups.emplace_back(n);
    for (std::size_t i = 0; i < n; ++i) groups[0][i] = i;
  }
  std::vector<int> fold(n, 0);
  std::size_t dealt = 0;  // continues across classes, so folds stay within one of each other's size
  for (std::vector<std::size_t>& group : groups) {
    shuffle(group, rng);
    for (std::size_t i : group) fold[i] = static_cast<int>(dealt++ % k);
  }
  return fold;
}

Targets make_targets(const std::vector<std::string>& labels, Task task) {
  if (labels.empty()) throw input_error("the training data has no labels (for CSV give --csv-labels)");
  Targets t;
  t.task = task;
  if (task == Task::kRegression) {
    for (std::size_t i = 0; i < labels.size(); ++i) {
      char* end = nullptr;
      const double v = std::strtod(labels[i].c_str(), &end);
      if (end == labels[i].c_str() || *end != '\0' || !std::isfinite(v)) {
        throw input_error("regression needs numeric targets: the label '" + labels[i] +
                          "' of sequence " + std::to_string(i) + " is not a number");
      }
      t.value_of.push_back(v);
    }
    return t;
  }
  t.classes = labels;
  std::sort(t.classes.begin(), t.classes.end());
  t.classes.erase(std::unique(t.classes.begin(), t.classes.end()), t.classes.end());
  for (const std::string& l : labels) {
    t.class_of.push_back(static_cast<int>(std::lower_bound(t.classes.begin(), t.classes.end(), l) - t.classes.begin()));
  }
  return t;
}

std::vector<std::vector<std::size_t>> points_by_pass(const std::vector<Settings>& points) {
  std::vector<std::vector<std::size_t>> groups;
  std::map<std::string, std::size_t> group_of;
  for (std::size_t p = 0; p < points.size(); ++p) {
    const auto [it, fresh] = group_of.emplace(pass_key(points[p]), groups.size());
    if (fresh) groups.emplace_back();
    groups[it->second].push_back(p);
  }
  return groups;
}

std::vector<std::string> pass_labels(const std::vector<Settings>& points,
                                     const std::vector<std::vector<std::size_t>>& passes) {
  std::vector<std::string> labels;
  for (std::size_t p = 0; p < passes.size(); ++p) {
    std::vector<std::string> kernels;
    for (std::size_t i : passes[p]) {
      const std::string k = kernel_name(points[i].model.kernel);
      if (std::find(kernels.begin(), kernels.end(), k) == kernels.end()) kernels.push_back(k);
    }
    std::string label = std::to_string(p + 1) + "/" + std::to_string(passes.size()) + ":";
    for (std::size_t k = 0; k < kernels.size(); ++k) label += (k ? "+" : " ") + kernels[k];
    labels.push_back(label);
  }
  // The parameters that tell the passes apart: one value within each pass, not the same in all
  // (but the kernel, listed already).
  for (const ParamSpec& spec : param_specs()) {
    if (spec.name == "kernel") continue;
    bool constant_within = true, varies_across = false;
    for (const std::vector<std::size_t>& pass : passes) {
      const double lead = spec.get(points[pass[0]]);
      varies_across = varies_across || lead != spec.get(points[passes[0][0]]);
      for (std::size_t i : pass) constant_within = constant_within && spec.get(points[i]) == lead;
    }
    if (!constant_within || !varies_across) continue;
    for (std::size_t p = 0; p < passes.size(); ++p) {
      labels[p] += " " + spec.name + "=" + spec.format(spec.get(points[passes[p][0]]));
    }
  }
  return labels;
}

std::string shared_key(const ModelParams& m) {
  return std::to_string(static_cast<int>(m.task)) + " " + std::to_string(m.folds) + " " + std::to_string(m.seed) +
         " " + std::to_string(m.repeats) + " " + std::to_string(m.nystrom) + " " +
         std::to_string(static_cast<int>(m.landmarks));
}

void check_shared(const std::vector<Settings>& points) {
  if (points.empty()) throw parameter_error("the model-selection grid is empty");
  for (const Settings& s : points) {
    const ModelParams& m = s.model;
    if (shared_key(m) != shared_key(points[0].model)) {
      throw parameter_error("task, folds, seed, repeats, nystrom and landmarks cannot vary within one model selection");
    }
    if (m.task == Task::kRegression && m.learner == Learner::kSvm) {
      throw parameter_error("regression uses the ridge learner (give learner = ridge)");
    }
    validate(s);
  }
}

namespace {

std::vector<int> pick(const std::vector<int>& v, const std::vector<std::size_t>& idx) {
  std::vector<int> out;
  for (std::size_t i : idx) out.push_back(v[i]);
  return out;
}

// Fits s's learner on k_fit(fit, fit) and scores its predictions for k_eval(eval, fit): the number
// correct (classification) or the sum of squared errors (regression), against `truth`.
double fit_and_score(const Matrix& k_fit, const std::vector<std::size_t>& fit, const Targets& t,
                     const Matrix& k_eval, const std::vector<std::size_t>& eval, const Targets& truth,
                     const Settings& s) {
  if (eval.empty() || fit.empty()) return 0.0;
  if (t.task == Task::kClassification) {
    std::vector<int> predicted;
    if (s.model.learner == Learner::kSvm) {
      const SvmClassifier svm = SvmClassifier::train(k_fit, fit, pick(t.class_of, fit), s.model.C);
      std::vector<std::size_t> support;
      for (std::size_t j : svm.support()) support.push_back(fit[j]);
      predicted = svm.predict(submatrix(k_eval, eval, support));
    } else {
      const int n_classes = static_cast<int>(t.classes.size());
      const KernelRidge r = KernelRidge::fit(k_fit, fit, one_hot(pick(t.class_of, fit), n_classes), s.model.alpha);
      predicted = argmax_rows(r.predict(submatrix(k_eval, eval, fit)));
    }
    double correct = 0;
    for (std::size_t a = 0; a < eval.size(); ++a) correct += predicted[a] == truth.class_of[eval[a]];
    return correct;
  }
  Eigen::MatrixXd y(static_cast<Eigen::Index>(fit.size()), 1);
  for (std::size_t a = 0; a < fit.size(); ++a) y(static_cast<Eigen::Index>(a), 0) = t.value_of[fit[a]];
  const KernelRidge r = KernelRidge::fit(k_fit, fit, y, s.model.alpha);
  const Eigen::MatrixXd out = r.predict(submatrix(k_eval, eval, fit));
  double sse = 0;
  for (std::size_t a = 0; a < eval.size(); ++a) {
    const double e = out(static_cast<Eigen::Index>(a), 0) - truth.value_of[eval[a]];
    sse += e * e;
  }
  return sse;
}

// Targets of test labels in the training classes' numbering (an unseen class is -1: never right).
Targets targets_like(const Targets& train, const std::vector<std::string>& labels) {
  if (train.task == Task::kRegression) return make_targets(labels, Task::kRegression);
  Targets t = train;
  t.class_of.clear();
  for (const std::string& l : labels) {
    const auto it = std::lower_bound(train.classes.begin(), train.classes.end(), l);
    t.class_of.push_back(it != train.classes.end() && *it == l ? static_cast<int>(it - train.classes.begin()) : -1);
  }
  return t;
}

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Cross-validation of every point and, with a test set, its test score: pass by pass (one Gram
// computation each), the (point, fold) fits of a pass on the threads.
std::vector<Candidate> evaluate(const Dataset& train, const Dataset* test, const std::vector<Settings>& points,
                                const Progress& progress) {
  check_shared(points);
  const ModelParams& shared = points[0].model;
  const Targets t = make_targets(train.labels, shared.task);
  const std::size_t n = train.sequences.size();
  if (n < 2) throw input_error("cross-validation needs at least 2 training sequences, got " + std::to_string(n));
  // Splits: for each repeat r and fold f, fit on the other folds and score fold f; with a test set,
  // a last split fits on everything and scores the test set.
  std::vector<std::vector<std::size_t>> fit_rows, eval_rows;
  std::vector<std::size_t> cv_splits_of_repeat;
  for (int r = 0; r < shared.repeats; ++r) {
    const std::vector<int> fold = assign_folds(t.class_of, n, shared.folds, static_cast<std::uint64_t>(shared.seed) + static_cast<std::uint64_t>(r),
                                               shared.task == Task::kClassification);
    const int n_folds = *std::max_element(fold.begin(), fold.end()) + 1;
    const std::size_t first = fit_rows.size();
    fit_rows.resize(first + static_cast<std::size_t>(n_folds));
    eval_rows.resize(fit_rows.size());
    for (std::size_t i = 0; i < n; ++i) {
      for (int f = 0; f < n_folds; ++f) (fold[i] == f ? eval_rows : fit_rows)[first + static_cast<std::size_t>(f)].push_back(i);
    }
    cv_splits_of_repeat.push_back(static_cast<std::size_t>(n_folds));
  }
  const std::size_t cv_splits = fit_rows.size();
  std::optional<Targets> test_targets;
  if (test) {
    if (test->labels.empty()) throw input_error(test->source + ": the test set has no labels to score against");
    test_targets = targets_like(t, test->labels);
    fit_rows.emplace_back(n);
    std::iota(fit_rows.back().begin(), fit_rows.back().end(), std::size_t{0});
    eval_rows.emplace_back(test->sequences.size());
    std::iota(eval_rows.back().begin(), eval_rows.back().end(), std::size_t{0});
  }
  const std::size_t splits = fit_rows.size();

  // Points grouped by pass (one Gram computation), then by kernel (one matrix), in grid order.
  std::map<std::string, SequenceSet> prepared, prepared_test;  // by prepare_key
  std::vector<Candidate> candidates(points.size());
  std::size_t done = 0;
  const std::vector<std::vector<std::size_t>> passes = points_by_pass(points);
  const std::vector<std::string> labels = pass_labels(points, passes);
  for (std::size_t pass = 0; pass < passes.size(); ++pass) {
    throw_if_stop_requested();
    const std::vector<std::size_t>& members = passes[pass];
    const ModelParams& model = points[members[0]].model;
    const std::string input = prepare_key(model);
    if (!prepared.count(input)) {
      prepared.emplace(input, prepare(train.sequences.view(), model));
      if (test) prepared_test.emplace(input, prepare(test->sequences.view(), model));
    }
    std::vector<Settings> kernels;
    std::vector<std::string> kernel_keys;
    std::vector<std::size_t> kernel_of(members.size());
    for (std::size_t m = 0; m < members.size(); ++m) {
      const std::string key = kernel_key(points[members[m]]);
      const auto found = std::find(kernel_keys.begin(), kernel_keys.end(), key);
      kernel_of[m] = static_cast<std::size_t>(found - kernel_keys.begin());
      if (found == kernel_keys.end()) {
        kernel_keys.push_back(key);
        kernels.push_back(points[members[m]]);
      }
    }
    if (progress) progress(static_cast<double>(done) / static_cast<double>(points.size()), "kernel " + labels[pass]);
    const auto kernel_start = Clock::now();
    const SequenceSetView train_view = prepared.at(input).view();
    const std::size_t length = train_view.max_length();  // of the baselines' flattened series
    const std::vector<Matrix> grams = kernel_matrices(kernels, train_view, nullptr, length);
    std::vector<Matrix> test_grams;
    if (test) test_grams = kernel_matrices(kernels, prepared_test.at(input).view(), &train_view, length);
    const double kernel_seconds = seconds_since(kernel_start);

    // Every (point, split) pair of this pass is one task; threads take them in turn.
    const auto fit_start = Clock::now();
    const std::size_t tasks = members.size() * splits;
    std::vector<double> scores(tasks, 0.0);
    FirstError first_error;
#pragma omp parallel for num_threads(resolve_threads(points[0].engine.threads)) schedule(dynamic, 1)
    for (std::size_t task = 0; task < tasks; ++task) {
      first_error.run([&] {
        throw_if_stop_requested();
        const std::size_t m = task / splits, f = task % splits;
        const bool on_test = f == cv_splits;
        const Matrix& k = grams[kernel_of[m]];
        scores[task] = fit_and_score(k, fit_rows[f], t, on_test ? test_grams[kernel_of[m]] : k, eval_rows[f],
                                     on_test ? *test_targets : t, points[members[m]]);
      });
    }
    first_error.rethrow();
    const double fit_seconds = seconds_since(fit_start);
    const bool classification = t.task == Task::kClassification;
    for (std::size_t m = 0; m < members.size(); ++m) {
      Candidate& c = candidates[members[m]];
      c = Candidate{};
      c.settings = points[members[m]];
      c.kernel_seconds = kernel_seconds;
      c.fit_seconds = fit_seconds / static_cast<double>(members.size());
      std::size_t split = 0;
      for (std::size_t folds_in_repeat : cv_splits_of_repeat) {
        double total = 0;
        for (std::size_t f = 0; f < folds_in_repeat; ++f) total += scores[m * splits + split++];
        c.repeat_scores.push_back(classification ? total / static_cast<double>(n) : -total / static_cast<double>(n));
      }
      c.cv_score = std::accumulate(c.repeat_scores.begin(), c.repeat_scores.end(), 0.0) /
                   static_cast<double>(c.repeat_scores.size());
      if (test) {
        const double score = scores[m * splits + cv_splits];
        const double size = static_cast<double>(test->sequences.size());
        c.test_score = classification ? score / size : std::sqrt(score / size);
      }
    }
    done += members.size();
  }
  if (progress) progress(1.0, "cross-validation done");
  return candidates;
}

}  // namespace

std::vector<Candidate> cross_validate(const Dataset& train, const std::vector<Settings>& points,
                                      const Progress& progress) {
  return evaluate(train, nullptr, points, progress);
}

std::vector<Candidate> cross_validate_and_test(const Dataset& train, const Dataset& test,
                                               const std::vector<Settings>& points, const Progress& progress) {
  return evaluate(train, &test, points, progress);
}

std::string describe(const Settings& s) {
  // The parameters every description shows; the others only when they are not at their default.
  static const std::set<std::string> always = {"sigma_w", "sigma_u", "sigma_b", "layers", "activation", "gamma",
                                               "degree", "coef0"};
  std::string d = std::string("kernel=") + kernel_name(s.model.kernel);
  for (const std::string& name : kernel_parameter_names(s.model.kernel)) {
    const ParamSpec& spec = param_spec(name);
    if (always.count(name) || spec.get(s) != spec.default_value) d += " " + name + "=" + spec.format(spec.get(s));
  }
  d += std::string(" cosine=") + (s.model.cosine ? "true" : "false");
  if (!s.model.z_normalise) d += " z_normalise=false";
  if (s.model.segment != 1) d += " segment=" + std::to_string(s.model.segment);
  if (s.model.target_length != 0) d += " target_length=" + std::to_string(s.model.target_length);
  if (s.model.scales != 1) {
    d += " scales=" + std::to_string(s.model.scales) + " scale_factor=" + std::to_string(s.model.scale_factor);
  }
  if (s.model.learner == Learner::kSvm) return d + " learner=svm C=" + shortest_text(s.model.C);
  return d + " learner=ridge alpha=" + shortest_text(s.model.alpha);
}

std::size_t best_candidate(const std::vector<Candidate>& candidates) {
  std::size_t best = 0;
  for (std::size_t c = 1; c < candidates.size(); ++c) {
    const double a = candidates[c].cv_score;
    const double b = candidates[best].cv_score;
    if (a > b || (a == b && more_regularised(candidates[c].settings, candidates[best].settings))) best = c;
  }
  return best;
}

}  // namespace rntk
