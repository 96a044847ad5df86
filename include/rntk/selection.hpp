// Model selection: a grid of settings, cross-validated on the training set.
//
// Grid text: axes separated by ';' or new lines, each "name = v1, v2, ...", names from the
// parameter registry (docs/PARAMETERS.md); '#' starts a comment. The grid is the cartesian product
// of the axes on top of base settings, the last axis varying fastest; a parameter that does not
// change a point's kernel (sigma_w for rbf, gamma for ntk, alpha for the SVM, ...) is not varied
// for it, so no point is evaluated twice.
//
// Cross-validation: stratified k-fold for classification (members of each class dealt round-robin
// to the folds after a seeded shuffle, so a class with fewer members than folds is simply spread
// over fewer folds), plain seeded k-fold for regression. The training Gram matrix of a kernel is
// computed once; every fold and every C or alpha uses its sub-blocks; kernels that share a pass
// (NTK and NNGP of one network, all baselines) share that computation too.
//
// Score: pooled accuracy of the held-out predictions (classification) or minus their mean squared
// error (regression); with repeats > 1, its mean over that many fold assignments (seeds seed,
// seed + 1, ...). Ties are broken in favour of stronger regularisation (smaller C, larger
// alpha), then of the earlier point in grid order.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "rntk/io.hpp"
#include "rntk/params.hpp"

namespace rntk {

struct Grid {
  std::vector<std::pair<std::string, std::vector<std::string>>> axes;  // canonical name, values

  // The distinct settings of the product, in grid order.
  std::vector<Settings> points(const Settings& base) const;
  std::string text() const;  // back in the grid syntax
};

// Parses grid text; `source` names it in messages. Unknown names, bad values and a text without
// any axis (blank, or only comments) are errors.
Grid parse_grid(const std::string& text, const std::string& source);
// Merges: axes of `over` replace those of `base` with the same name, others are appended.
Grid merge_grids(const Grid& base, const Grid& over);

// The documented default grids (docs/CLASSIFY.md): "rntk" (recurrent NTK and NNGP), "ntk", "nngp",
// "rbf", "poly", "linear", "mlp-ntk", "mlp-nngp". Throws naming the known methods.
Grid default_grid(const std::string& method);
std::vector<std::string> method_names();

// Fold of each training sequence (0 .. folds - 1; fewer folds when there are fewer sequences).
std::vector<int> assign_folds(const std::vector<int>& classes, std::size_t n, int folds,
                              std::uint64_t seed, bool stratified);

struct Candidate {
  Settings settings;
  double cv_score = 0.0;       // accuracy, or minus the mean squared error (mean over repeats)
  std::vector<double> repeat_scores{};  // the score of each repeat of the cross-validation
  double kernel_seconds = 0.0; // wall time of the Gram computation of its pass (shared by the pass)
  double fit_seconds = 0.0;    // wall time of its share of the cross-validation fits
  double test_score = std::numeric_limits<double>::quiet_NaN();  // accuracy or RMSE on a test set
};

// The indices of the points of each kernel pass (pass_key), passes in order of first appearance.
std::vector<std::vector<std::size_t>> points_by_pass(const std::vector<Settings>& points);
// A short label per pass for progress notes, "2/3: ntk+nngp sigma_u=0.5": its number, its kernels
// and the parameters that tell it from the other passes.
std::vector<std::string> pass_labels(const std::vector<Settings>& points,
                                     const std::vector<std::vector<std::size_t>>& passes);

// What one model selection cannot vary: task, folds, seed, repeats, nystrom, landmarks; equal keys,
// equal in all of them.
std::string shared_key(const ModelParams& m);
// Throws (kParameter) unless the points are valid and have one shared_key.
void check_shared(const std::vector<Settings>& points);

// Labels turned into what learners use.
struct Targets {
  Task task = Task::kClassification;
  std::vector<std::string> classes;  // sorted distinct labels (classification)
  std::vector<int> class_of;         // per sequence (classification)
  std::vector<double> value_of;      // per sequence (regression)
};
Targets make_targets(const std::vector<std::string>& labels, Task task);

// Progress in [0, 1] with a short note of the current step.
using Progress = std::function<void(double fraction, const std::string& note)>;

// Cross-validated score of every point on the training set (raw, un-preprocessed sequences).
std::vector<Candidate> cross_validate(const Dataset& train, const std::vector<Settings>& points,
                                      const Progress& progress = {});

// Every parameter of s: equal keys, equal settings.
std::string settings_key(const Settings& s);

// The settings that matter for s, as "kernel=ntk layers=2 sigma_w=1.4 ... C=10".
std::string describe(const Settings& s);

// The same, and each point fitted on all of `train` and scored on `test` (accuracy or RMSE): the
// measurement behind the default grids (bench/grid_points.cpp). A point's test score equals what
// Model::fit on `train` then predict on `test` give.
std::vector<Candidate> cross_validate_and_test(const Dataset& train, const Dataset& test,
                                               const std::vector<Settings>& points,
                                               const Progress& progress = {});

// The index of the best candidate by the tie rule above.
std::size_t best_candidate(const std::vector<Candidate>& candidates);

}  // namespace rntk
