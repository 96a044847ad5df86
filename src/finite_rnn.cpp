#include "rntk/finite_rnn.hpp"

#include <cmath>
#include <numbers>
#include <random>

#include "parallel.hpp"
#include "rntk/activations.hpp"
#include "rntk/error.hpp"
#include "rntk/recursion.hpp"

namespace rntk {
namespace {

std::uint64_t splitmix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

FiniteRNN::FiniteRNN(const KernelParams& params, std::size_t input_dim, std::size_t width,
                     std::uint64_t seed)
    : params_(params), input_dim_(input_dim), width_(width), seed_(seed) {
  validate(params);
  if (width == 0 || input_dim == 0) throw parameter_error("FiniteRNN: width and input_dim must be >= 1");
  std::size_t offset = 0;
  for (int l = 0; l < params.layers; ++l) {
    const std::size_t fan_in = l == 0 ? input_dim : width;
    LayerOffsets o{offset, offset + width * width, offset + width * width + width * fan_in, fan_in};
    offset = o.b + width;
    layers_.push_back(o);
  }
  v_offset_ = offset;
  theta_.resize(offset + width);
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  for (double& p : theta_) p = normal(rng);
}

Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>
FiniteRNN::weight(std::size_t offset, std::size_t cols) const {
  return {theta_.data() + offset, static_cast<Eigen::Index>(width_), static_cast<Eigen::Index>(cols)};
}

Eigen::VectorXd FiniteRNN::initial_state(SequenceView x, std::size_t layer) const {
  Eigen::VectorXd h0 = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(width_));
  if (params_.sigma_h == 0.0) return h0;
  std::mt19937_64 rng(splitmix64(seed_ ^ splitmix64(fingerprint(x) + layer)));
  std::normal_distribution<double> normal(0.0, params_.sigma_h);
  for (Eigen::Index k = 0; k < h0.size(); ++k) h0[k] = normal(rng);
  return h0;
}

double FiniteRNN::phi(double g) const { return activation_value(params_, g); }

double FiniteRNN::phi_prime(double g) const { return activation_derivative(params_, g); }

FiniteRNN::Trace FiniteRNN::trace(SequenceView x) const {
  if (x.dim() != input_dim_) {
    throw input_error("FiniteRNN: sequence has dimension " + std::to_string(x.dim()) +
                      ", the network expects " + std::to_string(input_dim_));
  }
  const auto T = static_cast<Eigen::Index>(x.length());
  const auto n = static_cast<Eigen::Index>(width_);
  const std::size_t L = layers_.size();
  const double a_w = params_.sigma_w / std::sqrt(static_cast<double>(width_));
  Trace tr;
  tr.input.resize(L);
  tr.hidden.resize(L);
  tr.delta.resize(L);
  std::vector<Eigen::MatrixXd> preact(L);

  // Forward, layer by layer: a layer's inputs at every step are known once the layer below is done,
  // so its input products are one matrix product, and only the recurrence runs step by step.
  tr.input[0] = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic>>(
      x.data(), static_cast<Eigen::Index>(input_dim_), T);
  for (std::size_t l = 0; l < L; ++l) {
    const LayerOffsets& o = layers_[l];
    if (l > 0) tr.input[l] = tr.hidden[l - 1].rightCols(T);
    const double a_u = params_.sigma_u / std::sqrt(static_cast<double>(o.fan_in));
    const Eigen::Map<const Eigen::VectorXd> b(theta_.data() + o.b, n);
    preact[l] = a_u * (weight(o.u, o.fan_in) * tr.input[l]);
    preact[l].colwise() += params_.sigma_b * b;
    tr.hidden[l].resize(n, T + 1);
    tr.hidden[l].col(0) = initial_state(x, l);
    const auto W = weight(o.w, width_);
    for (Eigen::Index t = 0; t < T; ++t) {
      preact[l].col(t).noalias() += a_w * (W * tr.hidden[l].col(t));
      tr.hidden[l].col(t + 1) = preact[l].col(t).unaryExpr([this](double g) { return phi(g); });
    }
  }
  // The readout (spec section 4): dh_top[:, t] is df / dh^L_t.
  const Eigen::MatrixXd dh_top = readout_gradient(T);
  tr.output = (dh_top.array() * tr.hidden[L - 1].rightCols(T).array()).sum();

  // Backward through time, top layer first: dh^l_t collects the readout (top layer, last step),
  // the layer above at the same step (through U_{l+1}) and this layer at the next step (through W_l).
  for (std::size_t l = L; l-- > 0;) {
    const LayerOffsets& o = layers_[l];
    Eigen::MatrixXd dh = Eigen::MatrixXd::Zero(n, T);
    if (l + 1 == L) {
      dh = dh_top;
    } else {
      const LayerOffsets& up = layers_[l + 1];
      const double a_u_up = params_.sigma_u / std::sqrt(static_cast<double>(up.fan_in));
      dh.noalias() = a_u_up * (weight(up.u, up.fan_in).transpose() * tr.delta[l + 1]);
    }
    const auto W = weight(o.w, width_);
    tr.delta[l].resize(n, T);
    for (Eigen::Index t = T; t-- > 0;) {
      if (t + 1 < T) dh.col(t).noalias() += a_w * (W.transpose() * tr.delta[l].col(t + 1));
      tr.delta[l].col(t) =
          dh.col(t).cwiseProduct(preact[l].col(t).unaryExpr([this](double g) { return phi_prime(g); }));
    }
  }
  return tr;
}

double FiniteRNN::output(SequenceView x) const { return trace(x).output; }

std::vector<double> FiniteRNN::gradient(SequenceView x) const {
  std::vector<double> grad(theta_.size(), 0.0);
  add_gradient(x, 1.0, grad.data());
  return grad;
}

void FiniteRNN::add_gradient(SequenceView x, double scale, double* into) const {
  if (params_.readout == Readout::kSteps) {
    throw parameter_error("FiniteRNN::gradient: the per-step readout has one readout vector per step, "
                          "outside parameters(); use the empirical kernels");
  }
  const Trace tr = trace(x);
  const auto n = static_cast<Eigen::Index>(width_);
  const auto T = static_cast<Eigen::Index>(x.length());
  const double a_w = scale * params_.sigma_w / std::sqrt(static_cast<double>(width_));
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  for (std::size_t l = static_cast<std::size_t>(params_.frozen_layers); l < layers_.size(); ++l) {
    const LayerOffsets& o = layers_[l];
    const auto fan = static_cast<Eigen::Index>(o.fan_in);
    const double a_u = scale * params_.sigma_u / std::sqrt(static_cast<double>(o.fan_in));
    Eigen::Map<RowMajor>(into + o.w, n, n).noalias() += a_w * tr.delta[l] * tr.hidden[l].leftCols(T).transpose();
    Eigen::Map<RowMajor>(into + o.u, n, fan).noalias() += a_u * tr.delta[l] * tr.input[l].transpose();
    Eigen::Map<Eigen::VectorXd>(into + o.b, n) += scale * params_.sigma_b * tr.delta[l].rowwise().sum();
  }
  // df/dv: the readout's input, the last state or the mean state.
  const double a_v = scale * params_.sigma_v / std::sqrt(static_cast<double>(width_));
  Eigen::Map<Eigen::VectorXd> dv(into + v_offset_, n);
  if (params_.readout == Readout::kMean) {
    dv += a_v * tr.hidden.back().rightCols(T).rowwise().mean();
  } else {
    dv += a_v * tr.hidden.back().col(T);
  }
}

std::vector<Eigen::VectorXd> FiniteRNN::train(SequenceSetView x, const Eigen::VectorXd& y, double eta, int steps) {
  x.validate("training sequences");
  if (static_cast<std::size_t>(y.size()) != x.size()) throw input_error("FiniteRNN::train: one target per sequence");
  const auto outputs = [&] {
    Eigen::VectorXd f(static_cast<Eigen::Index>(x.size()));
    for (std::size_t i = 0; i < x.size(); ++i) f[static_cast<Eigen::Index>(i)] = output(x[i]);
    return f;
  };
  std::vector<Eigen::VectorXd> history{outputs()};
  std::vector<double> step(theta_.size());
  for (int k = 0; k < steps; ++k) {
    std::fill(step.begin(), step.end(), 0.0);
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double residual = history.back()[static_cast<Eigen::Index>(i)] - y[static_cast<Eigen::Index>(i)];
      add_gradient(x[i], residual, step.data());  // frozen layers get no gradient
    }
    for (std::size_t p = 0; p < theta_.size(); ++p) theta_[p] -= eta * step[p];
    history.push_back(outputs());
  }
  return history;
}

// sum_p df(a)/dp df(b)/dp, layer by layer: for W_l it is a_w^2 sum_{t,t'} <delta_t, delta'_t'>
// <h_{t-1}, h'_{t'-1}>, for U_l a_u^2 sum <delta, delta'> <in, in'>, for b_l sb^2 sum <delta, delta'>,
// and for v the readout's sv^2 / n <h_T, h'_T>: O(T T' n) instead of O(n^2) per pair.
double FiniteRNN::empirical_ntk(const Trace& a, const Trace& b) const {
  const double n = static_cast<double>(width_);
  const double sw2 = params_.sigma_w * params_.sigma_w / n;
  double total = empirical_nngp(a, b);
  for (std::size_t l = static_cast<std::size_t>(params_.frozen_layers); l < layers_.size(); ++l) {
    const double su2 = params_.sigma_u * params_.sigma_u / static_cast<double>(layers_[l].fan_in);
    const Eigen::Index Ta = a.delta[l].cols();
    const Eigen::Index Tb = b.delta[l].cols();
    const Eigen::MatrixXd deltas = a.delta[l].transpose() * b.delta[l];
    const Eigen::MatrixXd hiddens = a.hidden[l].leftCols(Ta).transpose() * b.hidden[l].leftCols(Tb);
    const Eigen::MatrixXd inputs = a.input[l].transpose() * b.input[l];
    total += (deltas.array() * (sw2 * hiddens.array() + su2 * inputs.array() +
                                params_.sigma_b * params_.sigma_b))
                 .sum();
  }
  return total;
}

// The readout's covariance with its vectors integrated out: sv^2 / n times <h_T, h'_T'> (last),
// <mean h, mean h'> (mean), or (1 / sqrt(T T')) sum_k <h_{T-k}, h'_{T'-k}> (per-step readout).
double FiniteRNN::empirical_nngp(const Trace& a, const Trace& b) const {
  const double sv2 = params_.sigma_v * params_.sigma_v / static_cast<double>(width_);
  const Eigen::MatrixXd& ha = a.hidden.back();
  const Eigen::MatrixXd& hb = b.hidden.back();
  const Eigen::Index Ta = ha.cols() - 1, Tb = hb.cols() - 1;
  switch (params_.readout) {
    case Readout::kMean:
      return sv2 * ha.rightCols(Ta).rowwise().mean().dot(hb.rightCols(Tb).rowwise().mean());
    case Readout::kSteps: {
      const Eigen::Index k = std::min(Ta, Tb);
      return sv2 / std::sqrt(static_cast<double>(Ta) * static_cast<double>(Tb)) *
             (ha.rightCols(k).array() * hb.rightCols(k).array()).sum();
    }
    default:
      return sv2 * ha.col(Ta).dot(hb.col(Tb));
  }
}

// df / dh^L_t for the readout: a_v v at the last step (last), a_v v / T at every step (mean), or
// (a_v / sqrt(T)) v_k at step T - 1 - k (per-step readout: v_0 is v, the others are drawn from
// the seed and k).
Eigen::MatrixXd FiniteRNN::readout_gradient(Eigen::Index T) const {
  const auto n = static_cast<Eigen::Index>(width_);
  const double a_v = params_.sigma_v / std::sqrt(static_cast<double>(width_));
  const Eigen::Map<const Eigen::VectorXd> v(theta_.data() + v_offset_, n);
  Eigen::MatrixXd g = Eigen::MatrixXd::Zero(n, T);
  switch (params_.readout) {
    case Readout::kMean:
      g.colwise() = (a_v / static_cast<double>(T)) * v;
      break;
    case Readout::kSteps: {
      const double scale = a_v / std::sqrt(static_cast<double>(T));
      g.col(T - 1) = scale * v;
      for (Eigen::Index k = 1; k < T; ++k) {
        std::mt19937_64 rng(splitmix64(seed_ ^ splitmix64(0x5eed0000ULL + static_cast<std::uint64_t>(k))));
        std::normal_distribution<double> normal;
        for (Eigen::Index r = 0; r < n; ++r) g(r, T - 1 - k) = scale * normal(rng);
      }
      break;
    }
    default:
      g.col(T - 1) = a_v * v;
  }
  return g;
}

EmpiricalKernels empirical_kernels(const FiniteRNN& net, SequenceSetView x, SequenceSetView y,
                                   int threads) {
  auto traces_of = [&](SequenceSetView set) {
    std::vector<FiniteRNN::Trace> traces(set.size());
    FirstError first_error;
#pragma omp parallel for num_threads(resolve_threads(threads)) schedule(dynamic, 1)
    for (std::size_t i = 0; i < set.size(); ++i) {
      first_error.run([&] { traces[i] = net.trace(set[i]); });
    }
    first_error.rethrow();
    return traces;
  };
  x.validate("row set");
  y.validate("column set");
  const bool symmetric = x.values() == y.values() && x.offsets() == y.offsets() && x.ends() == y.ends();
  const std::vector<FiniteRNN::Trace> tx = traces_of(x);
  const std::vector<FiniteRNN::Trace> ty = symmetric ? std::vector<FiniteRNN::Trace>{} : traces_of(y);
  const std::vector<FiniteRNN::Trace>& cols = symmetric ? tx : ty;
  EmpiricalKernels k{Matrix(x.size(), y.size()), Matrix(x.size(), y.size())};
  for (std::size_t i = 0; i < x.size(); ++i) {
    for (std::size_t j = 0; j < y.size(); ++j) {
      k.ntk(i, j) = net.empirical_ntk(tx[i], cols[j]);
      k.nngp(i, j) = net.empirical_nngp(tx[i], cols[j]);
    }
  }
  return k;
}

EmpiricalKernels mean_empirical_kernels(const KernelParams& params, SequenceSetView x,
                                        SequenceSetView y, std::size_t width, int seeds,
                                        std::uint64_t first_seed, int threads) {
  if (seeds < 1) throw parameter_error("mean_empirical_kernels: seeds must be >= 1");
  EmpiricalKernels mean{Matrix(x.size(), y.size()), Matrix(x.size(), y.size())};
  // A bidirectional network is two independent networks, the second reading backwards, whose
  // outputs are summed: its kernels are the sums of theirs.
  const SequenceSet back_x = params.bidirectional ? reversed(x) : SequenceSet();
  const SequenceSet back_y = params.bidirectional ? reversed(y) : SequenceSet();
  const bool symmetric = x.values() == y.values() && x.offsets() == y.offsets() && x.ends() == y.ends();
  for (int s = 0; s < seeds; ++s) {
    const std::uint64_t seed = first_seed + static_cast<std::uint64_t>(s);
    std::vector<EmpiricalKernels> parts;
    parts.push_back(empirical_kernels(FiniteRNN(params, x.dim(), width, seed), x, y, threads));
    if (params.bidirectional) {
      const FiniteRNN backward(params, x.dim(), width, splitmix64(seed ^ 0xbacdULL));
      parts.push_back(empirical_kernels(backward, back_x.view(), symmetric ? back_x.view() : back_y.view(), threads));
    }
    for (const EmpiricalKernels& k : parts) {
      for (std::size_t e = 0; e < x.size() * y.size(); ++e) {
        mean.ntk.data()[e] += k.ntk.data()[e] / seeds;
        mean.nngp.data()[e] += k.nngp.data()[e] / seeds;
      }
    }
  }
  return mean;
}

double relative_frobenius_error(const Matrix& a, const Matrix& b) {
  double diff = 0.0;
  double norm = 0.0;
  for (std::size_t e = 0; e < b.rows() * b.cols(); ++e) {
    diff += (a.data()[e] - b.data()[e]) * (a.data()[e] - b.data()[e]);
    norm += b.data()[e] * b.data()[e];
  }
  return std::sqrt(diff / norm);
}

}  // namespace rntk
