// A trained model: settings, what the learner kept, and the (preprocessed) training sequences it
// needs to predict (the support vectors for the SVM, every training sequence for kernel ridge).
//
// Model files are JSON (docs/MODEL_FORMAT.md): {"format": "rntk-model", "version": 1, ...}. A model
// loaded from a file predicts exactly what the model that wrote it predicts.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "rntk/io.hpp"
#include "rntk/learners.hpp"
#include "rntk/params.hpp"
#include "rntk/selection.hpp"

namespace rntk {

struct Prediction {
  std::vector<std::string> labels;  // classification: the predicted class; regression: the value
  std::vector<double> values;       // regression only
};

class Model {
 public:
  Model() = default;  // an empty model; fit() or load() make real ones
  // Fits `settings` on all of `train` (no model selection).
  static Model fit(const Dataset& train, const Settings& settings);

  // A kernel ridge model from its parts: `support` prepared as settings.model says, coefficients
  // one row per support sequence (how Nystrom machines are stored, include/rntk/nystrom.hpp).
  static Model from_ridge(const Settings& settings, std::vector<std::string> classes, std::size_t flat_length,
                          SequenceSet support, Eigen::MatrixXd coefficients);

  Prediction predict(SequenceSetView x) const;
  const Settings& settings() const { return settings_; }
  const std::vector<std::string>& classes() const { return classes_; }
  std::size_t support_size() const { return support_.size(); }

  void save(std::ostream& out) const;
  void save(const std::string& path) const;  // atomic: a temporary file renamed when complete
  static Model load(const std::string& path);
  // From a stream; `name` stands for the source in messages.
  static Model load(std::istream& in, const std::string& name);

 private:
  Settings settings_;
  std::vector<std::string> classes_;  // classification: sorted distinct training labels
  std::size_t flat_length_ = 0;       // baselines: the length series are flattened to
  SequenceSet support_;               // preprocessed, in the learner's column order
  std::optional<SvmClassifier> svm_;
  std::optional<KernelRidge> ridge_;
};

// Model selection then fit: cross-validates every point (skipped when there is only one) and fits
// the best on all of `train`.
struct Selection {
  std::vector<Candidate> candidates;  // in grid order; cv_score is NaN when there was no CV
  std::size_t best = 0;
  Model model;
};
Selection select_and_fit(const Dataset& train, const std::vector<Settings>& points,
                         const Progress& progress = {});

// Accuracy (classification) of predicted labels, or the root mean squared error (regression).
double accuracy(const std::vector<std::string>& predicted, const std::vector<std::string>& truth);
double rmse(const std::vector<double>& predicted, const std::vector<std::string>& truth);

}  // namespace rntk
