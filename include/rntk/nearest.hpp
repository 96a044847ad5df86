// One-nearest-neighbour classification: the baselines of the UCR archive (Dau et al. 2019), 1-NN
// with the Euclidean distance, with dynamic time warping (DTW) over the whole series, and with DTW
// in a Sakoe-Chiba window learned by leave-one-out on the training set.
//
// Distances are squared, as the archive's: the Euclidean distance sums (a_t - b_t)^2 over steps and
// channels; DTW sums the cost of the steps matched along the cheapest warping path, the cost of
// matching step i of a with step j of b being the squared Euclidean distance between the two
// m-dimensional steps (dependent DTW). A warping path matches the first steps and the last steps
// of both sequences and moves by (1, 0), (0, 1) or (1, 1).
//
// Window: steps i and j may be matched only when |i - j| <= w (0-based indices from the first
// step). For a fraction f of the length, w = round(f * max(T_a, T_b)) with halves rounded up (the
// archive's percentage of the series length), raised to |T_a - T_b| when the lengths differ, the
// smallest window in which the last steps can be matched. f = 1 allows every path; f = 0 and equal
// lengths give the Euclidean distance.
//
// Neighbour searches are exact: among equal distances the earliest reference wins, as in a plain
// scan. They prune with the LB_Keogh lower bound and with early-abandoning DTW that drops cells
// costlier than the best distance found so far; both bounds hold in floating point, so the
// distances compared are bitwise those of dtw() and the result is that of the plain scan.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "rntk/sequences.hpp"

namespace rntk {

// Sum of squared differences over all steps and channels. Throws (kInput) when the lengths or the
// dimensions differ.
double squared_euclidean(SequenceView a, SequenceView b);

// The window w in steps for a fraction of the length (rule above). Throws (kParameter) unless
// fraction is in [0, 1].
std::size_t dtw_window(double fraction, std::size_t length_a, std::size_t length_b);

// The DTW distance with window `window` steps (the rule above, in steps). Throws (kParameter) when
// window < |T_a - T_b| (no warping path exists), (kInput) when the dimensions differ.
double dtw(SequenceView a, SequenceView b, std::size_t window);

enum class NearestDistance { kEuclidean, kDtw };

struct NearestOptions {
  NearestDistance distance = NearestDistance::kDtw;
  double window = 1.0;  // DTW: the window as a fraction of the length, [0, 1]
  int threads = 0;      // 0: every hardware thread
};

// The index of each query's nearest reference.
std::vector<std::size_t> nearest_neighbours(SequenceSetView queries, SequenceSetView references,
                                            const NearestOptions& options);

// The index of each sequence's nearest other sequence of the same set (leave-one-out). Needs at
// least two sequences.
std::vector<std::size_t> nearest_others(SequenceSetView set, const NearestOptions& options);

// The DTW window chosen by leave-one-out 1-NN accuracy on a training set (the archive's
// "DTW (learned_w)"): every candidate fraction is scored; the most accurate wins, ties going to the
// smaller window. Candidates that give every pair of the set the same window in steps are scored
// once.
struct LearnedWindow {
  double window = 0.0;                 // the chosen fraction
  double accuracy = 0.0;               // its leave-one-out accuracy
  std::vector<double> candidates;      // the fractions tried, ascending
  std::vector<double> accuracies;      // the leave-one-out accuracy of each
};
LearnedWindow learn_dtw_window(SequenceSetView train, const std::vector<std::string>& labels,
                               std::vector<double> candidates, int threads = 0);

// The fractions 0, 0.01, ..., percent / 100: the archive's search in whole percentages.
std::vector<double> percent_windows(int max_percent);

// The share of sequences whose neighbour has the same label.
double neighbour_accuracy(const std::vector<std::size_t>& neighbour, const std::vector<std::string>& labels,
                          const std::vector<std::string>& neighbour_labels);

}  // namespace rntk
