// Several methods (each a list of grid points) on one train / test split: the protocol of the UCR
// benchmark and of the demo. Every point of every method is cross-validated once (methods that
// share points or kernel passes share that work); each method then picks its best point by the tie
// rule of selection.hpp, is fitted on the whole training set and scored on the test set.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "rntk/io.hpp"
#include "rntk/selection.hpp"

namespace rntk {

struct MethodResult {
  std::string method;
  Candidate chosen;
  double test_score = 0.0;     // accuracy (classification) or RMSE (regression)
  double train_seconds = 0.0;  // its kernel passes, its share of the fits, the final fit
  double test_seconds = 0.0;
  std::size_t classes = 0;
};

using MethodGrid = std::pair<std::string, std::vector<Settings>>;

std::vector<MethodResult> compare_methods(const Dataset& train, const Dataset& test,
                                          const std::vector<MethodGrid>& methods,
                                          const Progress& progress = {});

}  // namespace rntk
