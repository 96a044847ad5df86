#include "rntk/nearest.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <map>
#include <numeric>

#include "parallel.hpp"
#include "rntk/error.hpp"
#include "rntk/recursion.hpp"
#include "rntk/stop.hpp"
#include "shortest.hpp"

namespace rntk {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();
constexpr std::size_t kNone = static_cast<std::size_t>(-1);

// The squared distance between step i of a and step j of b, summed over the channels in order.
// DTW, its lower bound and the Euclidean distance all sum in this order, which is what keeps the
// lower bound below the distance in floating point too.
struct StepCost {
  const double* a;
  const double* b;
  std::size_t dim;
  double operator()(std::size_t i, std::size_t j) const {
    if (dim == 1) {
      const double d = a[i] - b[j];
      return d * d;
    }
    double sum = 0.0;
    for (std::size_t k = 0; k < dim; ++k) {
      const double d = a[i * dim + k] - b[j * dim + k];
      sum += d * d;
    }
    return sum;
  }
};

// DTW of a (rows, n steps) and b (columns, m steps) in window w, exact when it is at most `bound`,
// and +infinity otherwise. A cell costlier than `bound` cannot lie on a path of total cost at most
// `bound` (costs only add), so it is dropped: each row computes only the columns reachable from the
// kept cells of the row before, and the search stops when a row keeps none. Kept cells hold exactly
// the values of the full dynamic programme. `rows` is scratch space of at least 2 m values.
double bounded_dtw(SequenceView a, SequenceView b, std::size_t w, double bound, std::vector<double>& rows) {
  const std::size_t n = a.length(), m = b.length();
  const StepCost cost{a.data(), b.data(), a.dim()};
  rows.resize(2 * m);
  double* prev = rows.data();
  double* cur = rows.data() + m;
  // Row 0: reachable only from the left.
  std::size_t lo = 0, hi = kNone;  // kept columns of the previous row: lo .. hi
  double sum = 0.0;
  for (std::size_t j = 0; j <= std::min(m - 1, w); ++j) {
    sum += cost(0, j);
    if (sum > bound) break;
    prev[j] = sum;
    hi = j;
  }
  if (hi == kNone) return kInfinity;
  for (std::size_t i = 1; i < n; ++i) {
    const std::size_t first = std::max(lo, i > w ? i - w : 0);
    const std::size_t last = std::min(m - 1, i + w);
    std::size_t new_lo = kNone, new_hi = kNone;
    double left = kInfinity;
    for (std::size_t j = first; j <= last; ++j) {
      const double top = j <= hi ? prev[j] : kInfinity;
      const double diagonal = j > lo && j - 1 <= hi ? prev[j - 1] : kInfinity;
      if (j > hi + 1 && left == kInfinity) break;  // only the left neighbour could reach j
      const double best = std::min(std::min(diagonal, top), left);
      double d = best == kInfinity ? kInfinity : best + cost(i, j);
      if (d > bound) {
        d = kInfinity;
      } else {
        if (new_lo == kNone) new_lo = j;
        new_hi = j;
      }
      cur[j] = d;
      left = d;
    }
    if (new_lo == kNone) return kInfinity;
    std::swap(prev, cur);
    lo = new_lo;
    hi = new_hi;
  }
  return hi == m - 1 ? prev[m - 1] : kInfinity;
}

// The upper and lower envelope of a sequence for window w: for position j, the largest and smallest
// value of each channel over steps j - w .. j + w (clipped to the sequence), for positions
// 0 .. length + w - 1 (every step of a sequence of another length the window can match).
struct Envelope {
  std::vector<double> upper, lower;  // [position][channel]
};

Envelope envelope(SequenceView x, std::size_t w) {
  const std::size_t n = x.length(), dim = x.dim(), positions = n + w;
  Envelope e{std::vector<double>(positions * dim), std::vector<double>(positions * dim)};
  for (std::size_t k = 0; k < dim; ++k) {
    const auto value = [&](std::size_t i) { return x.data()[i * dim + k]; };
    // Monotone queues of step indices: values decreasing (maxima) and increasing (minima).
    std::deque<std::size_t> maxima, minima;
    std::size_t next = 0;  // the next step to enter the window
    for (std::size_t j = 0; j < positions; ++j) {
      for (; next < n && next <= j + w; ++next) {
        while (!maxima.empty() && value(maxima.back()) <= value(next)) maxima.pop_back();
        while (!minima.empty() && value(minima.back()) >= value(next)) minima.pop_back();
        maxima.push_back(next);
        minima.push_back(next);
      }
      while (maxima.front() + w < j) maxima.pop_front();
      while (minima.front() + w < j) minima.pop_front();
      e.upper[j * dim + k] = value(maxima.front());
      e.lower[j * dim + k] = value(minima.front());
    }
  }
  return e;
}

// LB_Keogh: every step j of b is matched with some step of the query within the window, at a cost
// no smaller than its distance to the query's envelope at j. Summed step by step in b's order, as a
// warping path meets the steps of b, so it stays below the DTW distance in floating point too.
double lb_keogh(const Envelope& e, SequenceView b) {
  const std::size_t dim = b.dim();
  double sum = 0.0;
  for (std::size_t j = 0; j < b.length(); ++j) {
    double step = 0.0;
    for (std::size_t k = 0; k < dim; ++k) {
      const double v = b.data()[j * dim + k], up = e.upper[j * dim + k], down = e.lower[j * dim + k];
      const double d = v > up ? v - up : v < down ? down - v : 0.0;
      step += d * d;
    }
    sum += step;
  }
  return sum;
}

void check_fraction(double fraction) {
  if (!(fraction >= 0.0 && fraction <= 1.0)) {
    throw parameter_error("parameter window = " + shortest_text(fraction) +
                          " is out of range: allowed [0, 1] (a fraction of the series length)");
  }
}

void check_dims(SequenceSetView queries, SequenceSetView references) {
  if (queries.dim() != references.dim()) {
    throw input_error("the queries have " + std::to_string(queries.dim()) + " channels but the references " +
                      std::to_string(references.dim()) + "; nearest neighbours need the same channels");
  }
  if (references.size() == 0) throw input_error("no reference sequences to search");
}

// The nearest of `references` to one query, skipping index `skip`: the smallest (distance, index).
class NeighbourSearch {
 public:
  NeighbourSearch(SequenceSetView references, const NearestOptions& options)
      : references_(references), options_(options) {}

  // `seed`, when not kNone, is a reference likely to be near: computed first, its distance bounds
  // the search of the rest.
  std::size_t nearest(SequenceView query, std::size_t skip, std::size_t seed) {
    best_distance_ = kInfinity;
    best_index_ = kNone;
    if (options_.distance == NearestDistance::kEuclidean) {
      for (std::size_t j = 0; j < references_.size(); ++j) {
        if (j != skip) consider(j, squared_euclidean(query, references_[j]));
      }
      return best_index_;
    }
    envelopes_.clear();
    order_.clear();
    const bool find_seed = seed == kNone;
    double nearest_euclidean = kInfinity;
    for (std::size_t j = 0; j < references_.size(); ++j) {
      if (j == skip) continue;
      const SequenceView r = references_[j];
      order_.push_back({lb_keogh(envelope_for(query, r), r), j});
      // The diagonal path bounds DTW from above: without a seed, start from the Euclidean nearest.
      if (find_seed && r.length() == query.length()) {
        const double e = squared_euclidean(query, r);
        if (e < nearest_euclidean) nearest_euclidean = e, seed = j;
      }
    }
    if (seed != kNone) consider(seed, distance(query, seed));
    // Increasing lower bounds: once one exceeds the best distance, so do all that follow.
    std::sort(order_.begin(), order_.end());
    for (const auto& [bound, j] : order_) {
      if (bound > best_distance_) break;
      if (j != seed) consider(j, distance(query, j));
    }
    return best_index_;
  }

 private:
  std::size_t window(SequenceView query, SequenceView r) const {
    return dtw_window(options_.window, query.length(), r.length());
  }

  const Envelope& envelope_for(SequenceView query, SequenceView r) {
    const std::size_t w = window(query, r);
    auto it = envelopes_.find(w);
    if (it == envelopes_.end()) it = envelopes_.emplace(w, envelope(query, w)).first;
    return it->second;
  }

  // DTW of the query and reference j when it is at most the best so far, +infinity otherwise.
  double distance(SequenceView query, std::size_t j) {
    const SequenceView r = references_[j];
    return bounded_dtw(query, r, window(query, r), best_distance_, rows_);
  }

  void consider(std::size_t j, double d) {
    if (d < best_distance_ || (d == best_distance_ && j < best_index_)) {
      best_distance_ = d;
      best_index_ = j;
    }
  }

  SequenceSetView references_;
  NearestOptions options_;
  double best_distance_ = kInfinity;
  std::size_t best_index_ = kNone;
  std::map<std::size_t, Envelope> envelopes_;  // the query's, per window
  std::vector<std::pair<double, std::size_t>> order_;
  std::vector<double> rows_;
};

// Every query's nearest reference; with `leave_one_out` the queries are the references and each
// skips itself. `seeds` (empty or one per query) are references to try first.
std::vector<std::size_t> search_all(SequenceSetView queries, SequenceSetView references,
                                    const NearestOptions& options, bool leave_one_out,
                                    const std::vector<std::size_t>& seeds) {
  check_fraction(options.window);
  check_dims(queries, references);
  std::vector<std::size_t> nearest(queries.size());
  FirstError error;
#pragma omp parallel num_threads(resolve_threads(options.threads))
  {
    NeighbourSearch search(references, options);
#pragma omp for schedule(dynamic, 1)
    for (std::size_t i = 0; i < queries.size(); ++i) {
      error.run([&] {
        throw_if_stop_requested();
        nearest[i] = search.nearest(queries[i], leave_one_out ? i : kNone, seeds.empty() ? kNone : seeds[i]);
      });
    }
  }
  error.rethrow();
  return nearest;
}

}  // namespace

double squared_euclidean(SequenceView a, SequenceView b) {
  if (a.length() != b.length() || a.dim() != b.dim()) {
    throw input_error("the Euclidean distance needs sequences of one length and dimension, not " +
                      std::to_string(a.length()) + " x " + std::to_string(a.dim()) + " and " +
                      std::to_string(b.length()) + " x " + std::to_string(b.dim()) +
                      " steps x channels; pad them to one length, or use DTW");
  }
  const StepCost cost{a.data(), b.data(), a.dim()};
  double sum = 0.0;
  for (std::size_t t = 0; t < a.length(); ++t) sum += cost(t, t);
  return sum;
}

std::size_t dtw_window(double fraction, std::size_t length_a, std::size_t length_b) {
  check_fraction(fraction);
  const std::size_t longer = std::max(length_a, length_b), shorter = std::min(length_a, length_b);
  // Halves round up; the tolerance keeps a fraction such as 0.29, stored just below 29/100, from
  // rounding 0.29 * 50 = 14.5 down.
  const auto w = static_cast<std::size_t>(std::floor(fraction * static_cast<double>(longer) + 0.5 + 1e-9));
  return std::max(w, longer - shorter);
}

double dtw(SequenceView a, SequenceView b, std::size_t window) {
  if (a.dim() != b.dim()) {
    throw input_error("DTW needs sequences with the same channels, not " + std::to_string(a.dim()) + " and " +
                      std::to_string(b.dim()));
  }
  const std::size_t difference = std::max(a.length(), b.length()) - std::min(a.length(), b.length());
  if (window < difference) {
    throw parameter_error("DTW window " + std::to_string(window) + " is out of range for lengths " +
                          std::to_string(a.length()) + " and " + std::to_string(b.length()) +
                          ": allowed at least their difference " + std::to_string(difference) +
                          ", or no warping path matches the last steps");
  }
  std::vector<double> rows;
  return bounded_dtw(a, b, window, kInfinity, rows);
}

std::vector<std::size_t> nearest_neighbours(SequenceSetView queries, SequenceSetView references,
                                            const NearestOptions& options) {
  return search_all(queries, references, options, false, {});
}

std::vector<std::size_t> nearest_others(SequenceSetView set, const NearestOptions& options) {
  if (set.size() < 2) throw input_error("leave-one-out nearest neighbours need at least 2 sequences");
  return search_all(set, set, options, true, {});
}

std::vector<double> percent_windows(int max_percent) {
  if (max_percent < 0 || max_percent > 100) {
    throw parameter_error("largest DTW window " + std::to_string(max_percent) +
                          "% is out of range: allowed integers in [0, 100]");
  }
  std::vector<double> windows;
  for (int p = 0; p <= max_percent; ++p) windows.push_back(p / 100.0);
  return windows;
}

double neighbour_accuracy(const std::vector<std::size_t>& neighbour, const std::vector<std::string>& labels,
                          const std::vector<std::string>& neighbour_labels) {
  if (neighbour.size() != labels.size()) {
    throw input_error(std::to_string(labels.size()) + " labels for " + std::to_string(neighbour.size()) +
                      " sequences");
  }
  if (neighbour.empty()) return 0.0;
  std::size_t right = 0;
  for (std::size_t i = 0; i < neighbour.size(); ++i) right += labels[i] == neighbour_labels.at(neighbour[i]);
  return static_cast<double>(right) / static_cast<double>(neighbour.size());
}

LearnedWindow learn_dtw_window(SequenceSetView train, const std::vector<std::string>& labels,
                               std::vector<double> candidates, int threads) {
  if (candidates.empty()) throw parameter_error("no DTW windows to choose from");
  for (double f : candidates) check_fraction(f);
  if (train.size() < 2) throw input_error("choosing a DTW window by leave-one-out needs at least 2 sequences");
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  std::vector<std::size_t> lengths;
  for (std::size_t i = 0; i < train.size(); ++i) lengths.push_back(train.length(i));
  std::sort(lengths.begin(), lengths.end());
  lengths.erase(std::unique(lengths.begin(), lengths.end()), lengths.end());
  // Pair windows depend on the fraction only through w(f, L, L) of the longer length L.
  const auto steps = [&](double f) {
    std::vector<std::size_t> w;
    for (std::size_t L : lengths) w.push_back(dtw_window(f, L, L));
    return w;
  };

  LearnedWindow result;
  result.candidates = candidates;
  std::vector<std::size_t> neighbours, previous_steps;
  for (double f : candidates) {
    const std::vector<std::size_t> here = steps(f);
    if (neighbours.empty() || here != previous_steps) {
      // A wider window never increases a distance: the last window's neighbours are good seeds.
      neighbours = search_all(train, train, {NearestDistance::kDtw, f, threads}, true, neighbours);
      previous_steps = here;
    }
    result.accuracies.push_back(neighbour_accuracy(neighbours, labels, labels));
  }
  const auto best = std::max_element(result.accuracies.begin(), result.accuracies.end());  // first maximum
  result.window = candidates[static_cast<std::size_t>(best - result.accuracies.begin())];
  result.accuracy = *best;
  return result;
}

}  // namespace rntk
