#include "rntk/nystrom.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <span>

#include "rntk/error.hpp"
#include "rntk/kernels.hpp"
#include "rntk/learners.hpp"
#include "rntk/preprocess.hpp"
#include "rntk/stop.hpp"

namespace rntk {
namespace {

using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Clock = std::chrono::steady_clock;

// Units of work of K(X, Z) per rank: row blocks large enough that each engine call keeps a rank's
// threads busy, and enough of them that the last ones even out ranks that run at different speeds.
constexpr std::size_t kBlocksPerRank = 8;
constexpr std::size_t kMinBlockRows = 256;
// Eigenvalues of K(Z, Z) below this fraction of the largest are dropped (numerically dependent
// landmarks would otherwise blow up Lambda^(-1/2)).
constexpr double kEigenFloor = 1e-10;
// k-means++ draws its landmarks in about this many rounds (one K(X, batch) computation each).
constexpr std::size_t kKmeansRounds = 16;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// A uniform double in [0, 1) from 53 random bits: the same on every platform, unlike
// std::uniform_real_distribution, so landmarks do not depend on the standard library.
double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// K(x, x) as the learners see it: after cosine normalisation, 1 (0 for a zero sequence).
std::vector<double> learned_diagonal(const Settings& s, SequenceSetView x, std::size_t length) {
  std::vector<double> d = kernel_diagonal(s, x, length);
  if (s.model.cosine) {
    for (double& v : d) v = v > 0 ? 1.0 : 0.0;
  }
  return d;
}

std::vector<std::size_t> uniform_landmarks(std::size_t n, std::size_t m, std::mt19937_64& rng) {
  std::vector<std::size_t> all(n);
  std::iota(all.begin(), all.end(), std::size_t{0});
  for (std::size_t i = 0; i < m; ++i) std::swap(all[i], all[i + static_cast<std::size_t>(rng() % (n - i))]);
  all.resize(m);
  std::sort(all.begin(), all.end());  // the landmarks in training order
  return all;
}

// `count` untaken indices drawn one after another with probability proportional to weight, each
// marked taken; uniformly among the untaken ones when no weight is left (every sequence equals a
// landmark).
std::vector<std::size_t> draw_weighted(const std::vector<double>& weight, std::vector<char>& taken, std::size_t count,
                                       std::mt19937_64& rng) {
  std::vector<std::size_t> out;
  for (std::size_t c = 0; c < count; ++c) {
    double total = 0;
    for (std::size_t i = 0; i < weight.size(); ++i) total += taken[i] ? 0.0 : weight[i];
    std::size_t pick = weight.size();
    if (total > 0) {
      double u = uniform01(rng) * total;
      for (std::size_t i = 0; i < weight.size() && pick == weight.size(); ++i) {
        if (taken[i] || weight[i] <= 0) continue;
        if (u < weight[i]) pick = i;
        u -= weight[i];
      }
    }
    if (pick == weight.size()) {  // no weight left, or rounding ran past the end: the last candidate
      std::vector<std::size_t> free;
      for (std::size_t i = 0; i < weight.size(); ++i) {
        if (!taken[i] && (total <= 0 || weight[i] > 0)) free.push_back(i);
      }
      pick = total <= 0 ? free[static_cast<std::size_t>(rng() % free.size())] : free.back();
    }
    out.push_back(pick);
    taken[pick] = 1;
  }
  return out;
}

}  // namespace

std::vector<Matrix> distributed_cross_kernels(const std::vector<Settings>& kernels, SequenceSetView x,
                                              SequenceSetView z, std::size_t length, Cluster& cluster) {
  const std::size_t n = x.size(), m = z.size();
  if (cluster.size() == 1) return kernel_matrices(kernels, x, &z, length);  // one block: the whole matrix
  std::vector<Matrix> out(kernels.size(), Matrix(n, m));
  const std::size_t block_rows =
      std::max(kMinBlockRows, (n + kBlocksPerRank * static_cast<std::size_t>(cluster.size()) - 1) /
                                  (kBlocksPerRank * static_cast<std::size_t>(cluster.size())));
  const std::size_t blocks = (n + block_rows - 1) / block_rows;
  const std::unique_ptr<WorkCounter> counter = cluster.make_counter();
  for (std::uint64_t b = counter->take(1); b < blocks; b = counter->take(1)) {
    throw_if_stop_requested();
    const std::size_t begin = b * block_rows, end = std::min(n, begin + block_rows);
    std::vector<std::size_t> rows(end - begin);
    std::iota(rows.begin(), rows.end(), begin);
    const SequenceSet block = subset(x, rows);
    const std::vector<Matrix> part = kernel_matrices(kernels, block.view(), &z, length);
    for (std::size_t k = 0; k < kernels.size(); ++k) {
      std::copy(part[k].data(), part[k].data() + part[k].rows() * m, out[k].data() + begin * m);
    }
  }
  // Each row block was computed by one rank and is zero on the others: the sum assembles it exactly.
  for (Matrix& k : out) cluster.sum(std::span<double>(k.data(), n * m));
  return out;
}

Landmarks choose_landmarks(const Settings& s, const std::vector<Settings>& kernels, SequenceSetView x,
                           std::size_t length, Cluster& cluster) {
  const std::size_t n = x.size();
  const std::size_t m = std::min(static_cast<std::size_t>(s.model.nystrom), n);
  std::mt19937_64 rng(static_cast<std::uint64_t>(s.model.seed));
  Landmarks out;
  if (s.model.landmarks == LandmarkMethod::kUniform) {
    out.indices = uniform_landmarks(n, m, rng);
    return out;
  }
  const auto own = std::find_if(kernels.begin(), kernels.end(),
                                [&](const Settings& k) { return kernel_key(k) == kernel_key(s); });
  if (own == kernels.end()) throw parameter_error("choose_landmarks: the kernels do not include the landmarks' own");
  const std::size_t which = static_cast<std::size_t>(own - kernels.begin());
  const std::vector<double> diag = learned_diagonal(s, x, length);
  // Squared distance in feature space to the nearest landmark so far: K(x,x) + K(z,z) - 2 K(x,z).
  std::vector<double> distance(n, std::numeric_limits<double>::infinity());
  std::vector<char> taken(n, 0);
  std::vector<std::vector<Matrix>> rounds;  // K(X, batch) of every kernel, round by round
  const std::size_t batch = std::max<std::size_t>(1, (m + kKmeansRounds - 1) / kKmeansRounds);
  while (out.indices.size() < m) {
    std::vector<std::size_t> next;
    if (out.indices.empty()) {
      next.push_back(static_cast<std::size_t>(rng() % n));
      taken[next[0]] = 1;
    } else {
      next = draw_weighted(distance, taken, std::min(batch, m - out.indices.size()), rng);
    }
    const SequenceSet z = subset(x, next);
    rounds.push_back(distributed_cross_kernels(kernels, x, z.view(), length, cluster));
    const Matrix& k = rounds.back()[which];
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t c = 0; c < next.size(); ++c) {
        distance[i] = std::min(distance[i], std::max(0.0, diag[i] + diag[next[c]] - 2.0 * k(i, c)));
      }
    }
    out.indices.insert(out.indices.end(), next.begin(), next.end());
  }
  for (std::size_t k = 0; k < kernels.size(); ++k) {
    Matrix cross(n, m);
    std::size_t column = 0;
    for (const std::vector<Matrix>& round : rounds) {
      for (std::size_t i = 0; i < n; ++i) {
        std::copy(&round[k].data()[i * round[k].cols()], &round[k].data()[(i + 1) * round[k].cols()],
                  &cross(i, column));
      }
      column += round[k].cols();
    }
    out.cross.push_back(std::move(cross));
  }
  return out;
}

namespace {

// The features Phi = K(X, Z) U_r Lambda_r^(-1/2) and the projection U_r Lambda_r^(-1/2).
struct Features {
  RowMajor phi;
  Eigen::MatrixXd projection;
};

Features nystrom_features(const Matrix& cross, const std::vector<std::size_t>& landmark_rows) {
  const auto m = static_cast<Eigen::Index>(cross.cols());
  Eigen::MatrixXd kzz(m, m);
  for (Eigen::Index a = 0; a < m; ++a) {
    for (Eigen::Index b = 0; b < m; ++b) kzz(a, b) = cross(landmark_rows[static_cast<std::size_t>(a)], static_cast<std::size_t>(b));
  }
  const Eigen::MatrixXd symmetric = 0.5 * (kzz + kzz.transpose());  // K(z_a, z_b) and K(z_b, z_a) may differ in the last bit
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(symmetric);
  if (eigen.info() != Eigen::Success) throw numeric_error("Nystrom: the eigendecomposition of K(Z, Z) failed");
  const Eigen::VectorXd& lambda = eigen.eigenvalues();  // ascending
  const double largest = lambda(m - 1);
  if (!(largest > 0)) {
    throw numeric_error("Nystrom: the landmarks' kernel matrix K(Z, Z) is zero; the landmarks are all-zero sequences");
  }
  Eigen::Index first_kept = 0;
  while (lambda(first_kept) <= kEigenFloor * largest) ++first_kept;
  const Eigen::Index r = m - first_kept;
  Features f;
  f.projection = eigen.eigenvectors().rightCols(r) * lambda.tail(r).cwiseSqrt().cwiseInverse().asDiagonal();
  f.phi = Eigen::Map<const RowMajor>(cross.data(), static_cast<Eigen::Index>(cross.rows()), m) * f.projection;
  return f;
}

// Ridge on features: (G + alpha trace(G) / n I) W = B, G = Phi^T Phi and B = Phi^T Y over n rows.
Eigen::MatrixXd ridge_solve(const Eigen::MatrixXd& g, const Eigen::MatrixXd& b, double alpha, std::size_t n) {
  Eigen::MatrixXd a = g;
  a.diagonal().array() += alpha * g.trace() / static_cast<double>(n);
  const Eigen::LLT<Eigen::MatrixXd> llt(a);
  if (llt.info() != Eigen::Success) {
    throw numeric_error("Nystrom: the ridge system is not positive definite; raise alpha");
  }
  return llt.solve(b);
}

struct Split {
  std::vector<std::size_t> rows;
  Eigen::MatrixXd g, b;  // Phi^T Phi and Phi^T Y of the rows
};

std::vector<std::size_t> rows_of_fold(const std::vector<int>& fold, int f) {
  std::vector<std::size_t> rows;
  for (std::size_t i = 0; i < fold.size(); ++i) {
    if (fold[i] == f) rows.push_back(i);
  }
  return rows;
}

// Held-out score of one fold: the number correct, or minus the sum of squared errors.
double fold_score(const RowMajor& phi, const Split& held_out, const Eigen::MatrixXd& w, const Targets& t) {
  double score = 0;
  for (std::size_t i : held_out.rows) {
    const Eigen::RowVectorXd out = phi.row(static_cast<Eigen::Index>(i)) * w;
    if (t.task == Task::kClassification) {
      Eigen::Index best = 0;
      out.maxCoeff(&best);
      score += static_cast<int>(best) == t.class_of[i];
    } else {
      const double e = out(0) - t.value_of[i];
      score -= e * e;
    }
  }
  return score;
}

Eigen::MatrixXd targets_matrix(const Targets& t) {
  if (t.task == Task::kClassification) return one_hot(t.class_of, static_cast<int>(t.classes.size()));
  return Eigen::Map<const Eigen::VectorXd>(t.value_of.data(), static_cast<Eigen::Index>(t.value_of.size()));
}

}  // namespace

Selection nystrom_select_and_fit(const Dataset& train, const std::vector<Settings>& points, Cluster& cluster,
                                 const Progress& progress) {
  check_shared(points);
  const ModelParams& shared = points[0].model;
  if (shared.nystrom <= 0) throw parameter_error("nystrom_select_and_fit: nystrom must be at least 1");
  const Targets t = make_targets(train.labels, shared.task);
  const std::size_t n = train.sequences.size();
  const bool select = points.size() > 1;
  if (select && n < 2) throw input_error("cross-validation needs at least 2 training sequences, got " + std::to_string(n));
  const Eigen::MatrixXd y = targets_matrix(t);
  std::vector<std::vector<int>> folds;  // per repeat, as cross_validate assigns them
  for (int r = 0; select && r < shared.repeats; ++r) {
    folds.push_back(assign_folds(t.class_of, n, shared.folds, static_cast<std::uint64_t>(shared.seed) + static_cast<std::uint64_t>(r),
                                 shared.task == Task::kClassification));
  }

  std::map<std::string, SequenceSet> prepared;  // by prepare_key
  Selection selection;
  selection.candidates.resize(points.size());
  std::vector<Eigen::MatrixXd> coefficients(points.size());  // of each point fitted on all rows
  std::vector<std::vector<std::size_t>> landmarks_of(points.size());
  std::size_t done = 0;
  const std::vector<std::vector<std::size_t>> passes = points_by_pass(points);
  const std::vector<std::string> labels = pass_labels(points, passes);
  for (std::size_t pass = 0; pass < passes.size(); ++pass) {
    throw_if_stop_requested();
    const std::vector<std::size_t>& members = passes[pass];
    const Settings& lead = points[members[0]];
    const std::string input = prepare_key(lead.model);
    if (!prepared.count(input)) prepared.emplace(input, prepare(train.sequences.view(), lead.model));
    const SequenceSetView x = prepared.at(input).view();
    const std::size_t length = x.max_length();
    std::vector<Settings> kernels;
    std::vector<std::string> kernel_keys;
    for (std::size_t p : members) {
      if (std::find(kernel_keys.begin(), kernel_keys.end(), kernel_key(points[p])) == kernel_keys.end()) {
        kernel_keys.push_back(kernel_key(points[p]));
        kernels.push_back(points[p]);
      }
    }
    if (progress) progress(static_cast<double>(done) / static_cast<double>(points.size()), "Nystrom features " + labels[pass]);
    const auto kernel_start = Clock::now();
    Landmarks landmarks = choose_landmarks(lead, kernels, x, length, cluster);
    if (landmarks.cross.empty()) {
      const SequenceSet z = subset(x, landmarks.indices);
      landmarks.cross = distributed_cross_kernels(kernels, x, z.view(), length, cluster);
    }
    const double kernel_seconds = seconds_since(kernel_start);

    const auto fit_start = Clock::now();
    for (std::size_t k = 0; k < kernels.size(); ++k) {
      throw_if_stop_requested();
      const Features f = nystrom_features(landmarks.cross[k], landmarks.indices);
      landmarks.cross[k] = Matrix();  // K(X, Z) is no longer needed: features only from here
      // Phi^T Phi and Phi^T Y of every fold of every repeat; the whole set's are their sum.
      std::vector<std::vector<Split>> splits(folds.size());
      for (std::size_t r = 0; r < folds.size(); ++r) {
        const int n_folds = *std::max_element(folds[r].begin(), folds[r].end()) + 1;
        for (int fold = 0; fold < n_folds; ++fold) {
          Split s{rows_of_fold(folds[r], fold), {}, {}};
          RowMajor phi_f(static_cast<Eigen::Index>(s.rows.size()), f.phi.cols());
          Eigen::MatrixXd y_f(phi_f.rows(), y.cols());
          for (std::size_t a = 0; a < s.rows.size(); ++a) {
            phi_f.row(static_cast<Eigen::Index>(a)) = f.phi.row(static_cast<Eigen::Index>(s.rows[a]));
            y_f.row(static_cast<Eigen::Index>(a)) = y.row(static_cast<Eigen::Index>(s.rows[a]));
          }
          s.g = phi_f.transpose() * phi_f;
          s.b = phi_f.transpose() * y_f;
          splits[r].push_back(std::move(s));
        }
      }
      const Eigen::MatrixXd g_all = f.phi.transpose() * f.phi;
      const Eigen::MatrixXd b_all = f.phi.transpose() * y;
      for (std::size_t p : members) {
        if (kernel_key(points[p]) != kernel_keys[k]) continue;
        const double alpha = points[p].model.alpha;
        Candidate& c = selection.candidates[p];
        c.settings = points[p];
        c.kernel_seconds = kernel_seconds;
        c.cv_score = std::nan("");
        for (const std::vector<Split>& repeat : splits) {
          double total = 0;
          for (const Split& held_out : repeat) {
            const Eigen::MatrixXd w = ridge_solve(g_all - held_out.g, b_all - held_out.b, alpha, n - held_out.rows.size());
            total += fold_score(f.phi, held_out, w, t);
          }
          c.repeat_scores.push_back(total / static_cast<double>(n));
        }
        if (!c.repeat_scores.empty()) {
          c.cv_score = std::accumulate(c.repeat_scores.begin(), c.repeat_scores.end(), 0.0) /
                       static_cast<double>(c.repeat_scores.size());
        }
        coefficients[p] = f.projection * ridge_solve(g_all, b_all, alpha, n);
        landmarks_of[p] = landmarks.indices;
      }
    }
    const double fit_seconds = seconds_since(fit_start) / static_cast<double>(members.size());
    for (std::size_t p : members) selection.candidates[p].fit_seconds = fit_seconds;
    done += members.size();
  }
  if (progress) progress(1.0, "cross-validation done");
  selection.best = select ? best_candidate(selection.candidates) : 0;
  const std::size_t best = selection.best;
  const Settings& chosen = points[best];
  const SequenceSetView x = prepared.at(prepare_key(chosen.model)).view();
  selection.model = Model::from_ridge(chosen, t.classes, x.max_length(), subset(x, landmarks_of[best]),
                                      std::move(coefficients[best]));
  return selection;
}

}  // namespace rntk
