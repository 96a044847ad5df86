#include "rntk/kernels.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <optional>

#include "rntk/error.hpp"
#include "rntk/gram.hpp"
#include "rntk/preprocess.hpp"
#include "rntk/stop.hpp"
#include "shortest.hpp"

namespace rntk {
namespace {

using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// The network whose kernels are the MLP kernels, as a recurrent network read on one step: the
// input weights carry the MLP's weight scale; no recurrence, no initial state.
KernelParams mlp_network(const KernelParams& p) {
  KernelParams n = p;
  n.sigma_w = 0.0;
  n.sigma_u = p.sigma_w;
  n.sigma_h = 0.0;
  n.readout = Readout::kLast;
  n.bidirectional = false;
  return n;
}

Settings network_settings(const Settings& s) {
  Settings n = s;
  if (is_mlp(s.model.kernel)) n.kernel = mlp_network(s.kernel);
  return n;
}

bool wants_ntk(KernelType k) { return k == KernelType::kNtk || k == KernelType::kMlpNtk; }

Eigen::Map<const RowMajor> as_eigen(const SequenceSet& flat) {
  return {flat.values().data(), static_cast<Eigen::Index>(flat.size()),
          static_cast<Eigen::Index>(flat.dim())};
}

// The scale of gamma: 1 / (number of values of a flattened series).
double gamma_of(const Settings& s, const SequenceSet& flat) {
  return s.model.gamma / static_cast<double>(flat.dim());
}

// rbf, poly or linear value from an inner product and the two squared norms.
double baseline_value(const Settings& s, double g, double dot, double norm_x, double norm_y) {
  switch (s.model.kernel) {
    case KernelType::kRbf:
      return std::exp(-g * std::max(0.0, norm_x + norm_y - 2.0 * dot));
    case KernelType::kPolynomial:
      return std::pow(g * dot + s.model.coef0, s.model.degree);
    default:
      return dot;
  }
}

void cosine_normalise(Matrix& k, const std::vector<double>& dx, const std::vector<double>& dy) {
  for (std::size_t i = 0; i < k.rows(); ++i) {
    for (std::size_t j = 0; j < k.cols(); ++j) {
      const double d = dx[i] * dy[j];
      k(i, j) = d > 0.0 ? k(i, j) / std::sqrt(d) : 0.0;
    }
  }
}

// k(i, j) * 2^(row[i] + col[j]); an error naming sigma_w where that exceeds double's range.
void unscale(Matrix& k, const std::vector<int>& row, const std::vector<int>& col, const KernelParams& params) {
  for (std::size_t i = 0; i < k.rows(); ++i) {
    for (std::size_t j = 0; j < k.cols(); ++j) {
      k(i, j) = std::ldexp(k(i, j), row[i] + col[j]);
      if (!std::isfinite(k(i, j))) throw numeric_error(overflow_message(i, j, params, true));
    }
  }
}

std::vector<double> matrix_diagonal(const Matrix& k) {
  std::vector<double> d(k.rows());
  for (std::size_t i = 0; i < k.rows(); ++i) d[i] = k(i, i);
  return d;
}

}  // namespace

bool is_recurrent(KernelType k) {
  return k == KernelType::kNtk || k == KernelType::kNngp || k == KernelType::kNtkPlusNngp;
}
bool is_mlp(KernelType k) { return k == KernelType::kMlpNtk || k == KernelType::kMlpNngp; }

std::vector<std::string> kernel_parameter_names(KernelType k) {
  if (is_recurrent(k)) {
    return {"sigma_w", "sigma_u", "sigma_b", "sigma_h", "sigma_v", "layers", "activation", "readout",
            "bidirectional", "frozen_layers", "leaky_slope", "quadrature"};
  }
  if (is_mlp(k)) return {"sigma_w", "sigma_b", "sigma_v", "layers", "activation", "frozen_layers", "leaky_slope", "quadrature"};
  if (k == KernelType::kRbf) return {"gamma"};
  if (k == KernelType::kPolynomial) return {"gamma", "degree", "coef0"};
  return {};
}

std::string pass_key(const Settings& s) {
  std::string key = std::string(is_recurrent(s.model.kernel) ? "rnn"
                                : is_mlp(s.model.kernel)     ? "mlp"
                                                             : "flat") +
                    " " + prepare_key(s.model) + " pad=" + (s.model.pad ? "1" : "0");
  if (s.model.scales > 1) {
    key += " scales=" + std::to_string(s.model.scales) + " scale_factor=" + std::to_string(s.model.scale_factor);
  }
  if (!is_recurrent(s.model.kernel) && !is_mlp(s.model.kernel)) return key;
  // Every depth comes from the walk of the deepest network, and sigma_v only scales a kernel by
  // sigma_v^2, so neither splits passes.
  for (const std::string& name : kernel_parameter_names(s.model.kernel)) {
    if (name != "layers" && name != "sigma_v") key += " " + name + "=" + shortest_text(param_spec(name).get(s));
  }
  return key;
}

std::string kernel_key(const Settings& s) {
  std::string key = pass_key(s) + " kernel=" + kernel_name(s.model.kernel) +
                    " cosine=" + (s.model.cosine ? "1" : "0");
  for (const std::string& name : kernel_parameter_names(s.model.kernel)) {
    key += " " + name + "=" + shortest_text(param_spec(name).get(s));
  }
  return key;
}

namespace {

// With `scale`: the recurrent kernels divided by 2^(2 scale[i]) (self_kernels), finite at any length.
std::vector<double> plain_kernel_diagonal(const Settings& s, SequenceSetView x, std::size_t length,
                                          std::vector<int>* scale = nullptr) {
  const KernelType k = s.model.kernel;
  if (is_recurrent(k) || is_mlp(k)) {
    const SequenceSet flat = is_mlp(k) ? flatten(x, length, s.model.pad) : SequenceSet();
    return self_kernels(is_mlp(k) ? flat.view() : x, network_settings(s), wants_ntk(k), 0, scale);
  }
  if (scale) scale->assign(x.size(), 0);
  const SequenceSet flat = flatten(x, length, s.model.pad);
  const double g = gamma_of(s, flat);
  const Eigen::Map<const RowMajor> f = as_eigen(flat);
  std::vector<double> d(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double norm = f.row(static_cast<Eigen::Index>(i)).squaredNorm();
    d[i] = baseline_value(s, g, norm, norm, norm);
  }
  return d;
}

std::vector<Matrix> plain_kernel_matrices(const std::vector<Settings>& settings, SequenceSetView x,
                                          const SequenceSetView* y, std::size_t length) {
  if (settings.empty()) return {};
  const Settings& first = settings.front();
  for (const Settings& s : settings) {
    if (pass_key(s) != pass_key(first)) throw parameter_error("kernel_matrices: settings of different passes");
  }
  std::vector<Matrix> out;
  const KernelType type = first.model.kernel;
  // Recurrent kernels come scaled (GramResult::Scales): K = out[n](i, j) * 2^(scales[n].row[i] +
  // scales[n].col[j]); cosine normalisation works on the scaled values, so it is finite at any length.
  std::vector<GramResult::Scales> scales(settings.size());
  if (is_recurrent(type) || is_mlp(type)) {
    Settings n = network_settings(first);
    n.kernel.sigma_v = 1.0;
    for (const Settings& s : settings) n.kernel.layers = std::max(n.kernel.layers, s.kernel.layers);
    SequenceSet flat_x, flat_y;
    SequenceSetView vx = x;
    std::optional<SequenceSetView> vy;
    if (y) vy = *y;
    if (is_mlp(type)) {
      flat_x = flatten(x, length, first.model.pad);
      vx = flat_x.view();
      if (y) {
        flat_y = flatten(*y, length, first.model.pad);
        vy = flat_y.view();
      }
    }
    KernelSelection wanted{false, false, false, true};
    for (const Settings& s : settings) {
      (wants_ntk(s.model.kernel) ? wanted.ntk : wanted.nngp) = true;
      wanted.all_depths = wanted.all_depths || s.kernel.layers < n.kernel.layers;
    }
    const GramResult g = vy ? gram(vx, *vy, n, wanted) : gram(vx, n, wanted);
    for (std::size_t k = 0; k < settings.size(); ++k) {
      scales[k] = wants_ntk(settings[k].model.kernel) ? g.ntk_scale : g.nngp_scale;
    }
    for (const Settings& s : settings) {
      const bool deepest = s.kernel.layers == n.kernel.layers;
      const std::size_t d = static_cast<std::size_t>(s.kernel.layers) - 1;
      if (wants_ntk(s.model.kernel)) {
        out.push_back(deepest ? g.ntk : g.ntk_shallower[d]);
      } else {
        out.push_back(deepest ? g.nngp : g.nngp_shallower[d]);
      }
      const double sv2 = s.kernel.sigma_v * s.kernel.sigma_v;
      if (sv2 != 1.0) {
        for (std::size_t e = 0; e < out.back().rows() * out.back().cols(); ++e) out.back().data()[e] *= sv2;
      }
    }
  } else {
    // The product of large sets takes seconds and cannot check for a stop: it runs abandonable, on
    // data it shares.
    struct Product {
      SequenceSet fx, fy;
      RowMajor dots;
    };
    auto product = std::make_shared<Product>();
    product->fx = flatten(x, length, first.model.pad);
    if (y) product->fy = flatten(*y, length, first.model.pad);
    const bool cross = y != nullptr;
    run_abandonable([product, cross] {
      product->dots = as_eigen(product->fx) * (cross ? as_eigen(product->fy) : as_eigen(product->fx)).transpose();
    });
    const SequenceSet& fx = product->fx;
    const RowMajor& dots = product->dots;
    const Eigen::Map<const RowMajor> mx = as_eigen(fx);
    const Eigen::Map<const RowMajor> my = y ? as_eigen(product->fy) : as_eigen(fx);
    const Eigen::VectorXd nx = mx.rowwise().squaredNorm();
    const Eigen::VectorXd ny = my.rowwise().squaredNorm();
    for (const Settings& s : settings) {
      Matrix k(static_cast<std::size_t>(dots.rows()), static_cast<std::size_t>(dots.cols()));
      const double g = gamma_of(s, fx);
      for (Eigen::Index i = 0; i < dots.rows(); ++i) {
        throw_if_stop_requested();
        for (Eigen::Index j = 0; j < dots.cols(); ++j) {
          k(static_cast<std::size_t>(i), static_cast<std::size_t>(j)) = baseline_value(s, g, dots(i, j), nx[i], ny[j]);
        }
      }
      out.push_back(std::move(k));
    }
  }
  for (std::size_t n = 0; n < settings.size(); ++n) {
    const GramResult::Scales& scale = scales[n];
    if (!settings[n].model.cosine) {
      if (!scale.row.empty()) unscale(out[n], scale.row, scale.col, settings[n].kernel);
      continue;
    }
    // K(X, X): the scales of K(i, j) and of sqrt(K(i, i) K(j, j)) cancel. K(X, Y): the diagonals
    // come with their own scales (their network may be shallower), what is left is a power of two.
    std::vector<int> ex, ey;
    const std::vector<double> dx = y ? plain_kernel_diagonal(settings[n], x, length, &ex) : matrix_diagonal(out[n]);
    const std::vector<double> dy = y ? plain_kernel_diagonal(settings[n], *y, length, &ey) : dx;
    cosine_normalise(out[n], dx, dy);
    if (y && !scale.row.empty()) {
      for (std::size_t i = 0; i < ex.size(); ++i) ex[i] = scale.row[i] - ex[i];
      for (std::size_t j = 0; j < ey.size(); ++j) ey[j] = scale.col[j] - ey[j];
      unscale(out[n], ex, ey, settings[n].kernel);
    }
  }
  for (const Matrix& k : out) {
    for (std::size_t e = 0; e < k.rows() * k.cols(); ++e) {
      if (!std::isfinite(k.data()[e])) {
        throw numeric_error(std::string(kernel_name(type)) +
                            " kernel value is not finite; lower gamma, degree or coef0, or use "
                            "cosine normalisation");
      }
    }
  }
  return out;
}

}  // namespace

namespace {

// A composite kernel (ntk+nngp, or scales > 1) is the mean of plain kernels: each a plain setting
// applied at a level of time resolution (the prepared series averaged over scale_factor^level
// steps).
struct Component {
  Settings plain;
  int level;
};

bool is_composite(const Settings& s) { return s.model.kernel == KernelType::kNtkPlusNngp || s.model.scales > 1; }

std::vector<Component> components(const Settings& s) {
  std::vector<KernelType> types{s.model.kernel};
  if (s.model.kernel == KernelType::kNtkPlusNngp) types = {KernelType::kNtk, KernelType::kNngp};
  std::vector<Component> out;
  for (int level = 0; level < s.model.scales; ++level) {
    for (KernelType k : types) {
      Settings plain = s;
      plain.model.kernel = k;
      plain.model.scales = 1;
      out.push_back({plain, level});
    }
  }
  return out;
}

std::size_t level_factor(const Settings& s, int level) {
  std::size_t f = 1;
  for (int l = 0; l < level; ++l) f *= static_cast<std::size_t>(s.model.scale_factor);
  return f;
}

// The sequences and flattened length of a level.
SequenceSet at_level(SequenceSetView x, std::size_t factor) { return segment_means(x, factor); }
std::size_t length_at_level(std::size_t length, std::size_t factor) { return (length + factor - 1) / factor; }

}  // namespace

std::vector<double> kernel_diagonal(const Settings& s, SequenceSetView x, std::size_t length) {
  if (!is_composite(s)) return plain_kernel_diagonal(s, x, length);
  const std::vector<Component> parts = components(s);
  std::vector<double> d(x.size(), 0.0);
  for (const Component& c : parts) {
    const std::size_t f = level_factor(s, c.level);
    const SequenceSet xl = at_level(x, f);
    std::vector<double> part = plain_kernel_diagonal(c.plain, xl.view(), length_at_level(length, f));
    if (s.model.cosine) std::fill(part.begin(), part.end(), 1.0);
    for (std::size_t i = 0; i < d.size(); ++i) d[i] += part[i] / static_cast<double>(parts.size());
  }
  return d;
}

std::vector<Matrix> kernel_matrices(const std::vector<Settings>& settings, SequenceSetView x,
                                    const SequenceSetView* y, std::size_t length) {
  if (std::none_of(settings.begin(), settings.end(), is_composite)) return plain_kernel_matrices(settings, x, y, length);
  for (const Settings& s : settings) {
    if (pass_key(s) != pass_key(settings.front())) throw parameter_error("kernel_matrices: settings of different passes");
  }
  // Components of every setting grouped by level: the components of one level share a pass.
  std::map<int, std::vector<std::pair<std::size_t, Settings>>> by_level;
  std::vector<double> weight(settings.size());
  for (std::size_t n = 0; n < settings.size(); ++n) {
    const std::vector<Component> parts = components(settings[n]);
    weight[n] = 1.0 / static_cast<double>(parts.size());
    for (const Component& c : parts) by_level[c.level].emplace_back(n, c.plain);
  }
  std::vector<Matrix> out;
  for (const auto& [level, members] : by_level) {
    const std::size_t f = level_factor(settings.front(), level);
    const SequenceSet xl = at_level(x, f);
    const SequenceSet yl = y ? at_level(*y, f) : SequenceSet();
    const SequenceSetView yv = yl.view();
    std::vector<Settings> plain;
    for (const auto& member : members) plain.push_back(member.second);
    const std::vector<Matrix> parts = plain_kernel_matrices(plain, xl.view(), y ? &yv : nullptr, length_at_level(length, f));
    if (out.empty()) {
      for (std::size_t n = 0; n < settings.size(); ++n) out.emplace_back(parts[0].rows(), parts[0].cols());
    }
    for (std::size_t p = 0; p < members.size(); ++p) {
      Matrix& k = out[members[p].first];
      const double w = weight[members[p].first];
      for (std::size_t e = 0; e < k.rows() * k.cols(); ++e) k.data()[e] += w * parts[p].data()[e];
    }
  }
  return out;
}

}  // namespace rntk
