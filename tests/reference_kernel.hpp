// An independent, deliberately slow implementation of the RNTK and NNGP, written plainly from
// ../shared/spec/RNTK.md: it fills the WHOLE time grid (t, t') of a pair, with the textbook dual
// activations for ReLU and erf, and reads off the readout: the last cell, the mean over all cells,
// or the aligned diagonal (per-step readout); frozen layers have Th = 0; bidirectional adds the
// reversed pair. It shares no code with the engine (which walks one diagonal, aligned at the end, or
// each row of the grid along one slot per diagonal, with per-sequence precomputation), except the
// dual activations of the other activations, which come from rntk::Duals.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include "rntk/activations.hpp"
#include "rntk/params.hpp"
#include "rntk/sequences.hpp"

namespace rntk::testing {

struct ReferenceValue {
  double ntk;
  double nngp;
};

class ReferenceKernel {
 public:
  explicit ReferenceKernel(const KernelParams& p) : p_(p), duals_(p) {}

  // K(x, y); `same` says x and y are the same sample (they then share h_0).
  ReferenceValue operator()(SequenceView x, SequenceView y, bool same) const {
    ReferenceValue k = one_direction(x, y, same);
    if (p_.bidirectional) {
      std::vector<double> rx = backwards(x), ry = backwards(y);
      const ReferenceValue b = one_direction(SequenceView(rx.data(), x.length(), x.dim()),
                                             SequenceView(ry.data(), y.length(), y.dim()), same);
      k.ntk += b.ntk;
      k.nngp += b.nngp;
    }
    return k;
  }

 private:
  static std::vector<double> backwards(SequenceView x) {
    std::vector<double> r;
    for (std::size_t t = x.length(); t-- > 0;) r.insert(r.end(), x.step(t), x.step(t) + x.dim());
    return r;
  }

  ReferenceValue one_direction(SequenceView x, SequenceView y, bool same) const {
    const std::vector<std::vector<double>> qx = variances(x);
    const std::vector<std::vector<double>> qy = variances(y);
    const std::size_t T = x.length(), U = y.length(), L = static_cast<std::size_t>(p_.layers);
    // S[l][t][u], Th[l][t][u], 0-based times.
    std::vector<std::vector<std::vector<double>>> S(L, grid(T, U)), Th(L, grid(T, U));
    const double sw2 = p_.sigma_w * p_.sigma_w, su2 = p_.sigma_u * p_.sigma_u;
    const double sb2 = p_.sigma_b * p_.sigma_b, sh2 = p_.sigma_h * p_.sigma_h;
    for (std::size_t l = 0; l < L; ++l) {
      for (std::size_t t = 0; t < T; ++t) {
        for (std::size_t u = 0; u < U; ++u) {
          double recurrent = 0.0, recurrent_th = 0.0;
          if (t >= 1 && u >= 1) {
            const double s = S[l][t - 1][u - 1];
            const bool diag = same && t == u;
            recurrent = sw2 * V(qx[l][t - 1], s, qy[l][u - 1], diag);
            recurrent_th = sw2 * Vd(qx[l][t - 1], s, qy[l][u - 1], diag) * Th[l][t - 1][u - 1];
          } else if (t == 0 && u == 0 && same) {
            recurrent = sw2 * sh2;
          }
          double input = 0.0, input_th = 0.0;
          if (l == 0) {
            for (std::size_t d = 0; d < x.dim(); ++d) input += x.step(t)[d] * y.step(u)[d];
            input *= su2 / static_cast<double>(x.dim());
          } else {
            const double s = S[l - 1][t][u];
            const bool diag = same && t == u;
            input = su2 * V(qx[l - 1][t], s, qy[l - 1][u], diag);
            input_th = su2 * Vd(qx[l - 1][t], s, qy[l - 1][u], diag) * Th[l - 1][t][u];
          }
          S[l][t][u] = recurrent + input + sb2;
          Th[l][t][u] = static_cast<int>(l) < p_.frozen_layers ? 0.0 : S[l][t][u] + recurrent_th + input_th;
        }
      }
    }
    // The readout's kernel of cell (t, u) of the top layer.
    const double sv2 = p_.sigma_v * p_.sigma_v;
    auto cell = [&](std::size_t t, std::size_t u) {
      const double s = S[L - 1][t][u];
      const double a = qx[L - 1][t], b = qy[L - 1][u];
      const bool diag = same && t == u;
      return ReferenceValue{sv2 * (V(a, s, b, diag) + Vd(a, s, b, diag) * Th[L - 1][t][u]), sv2 * V(a, s, b, diag)};
    };
    ReferenceValue k{0.0, 0.0};
    if (p_.readout == Readout::kLast) return cell(T - 1, U - 1);
    if (p_.readout == Readout::kMean) {
      for (std::size_t t = 0; t < T; ++t) {
        for (std::size_t u = 0; u < U; ++u) {
          k.ntk += cell(t, u).ntk / static_cast<double>(T * U);
          k.nngp += cell(t, u).nngp / static_cast<double>(T * U);
        }
      }
      return k;
    }
    const double scale = 1.0 / std::sqrt(static_cast<double>(T * U));
    for (std::size_t d = 0; d < std::min(T, U); ++d) {
      k.ntk += scale * cell(T - 1 - d, U - 1 - d).ntk;
      k.nngp += scale * cell(T - 1 - d, U - 1 - d).nngp;
    }
    return k;
  }

  static std::vector<std::vector<double>> grid(std::size_t T, std::size_t U) {
    return std::vector<std::vector<double>>(T, std::vector<double>(U, 0.0));
  }

  // q^l_t(x) = S^l_{t,t}(x, x) along the diagonal of x's own grid.
  std::vector<std::vector<double>> variances(SequenceView x) const {
    const std::size_t L = static_cast<std::size_t>(p_.layers);
    std::vector<std::vector<double>> q(L, std::vector<double>(x.length()));
    const double sw2 = p_.sigma_w * p_.sigma_w, su2 = p_.sigma_u * p_.sigma_u;
    for (std::size_t t = 0; t < x.length(); ++t) {
      for (std::size_t l = 0; l < L; ++l) {
        const double recurrent = t == 0 ? sw2 * p_.sigma_h * p_.sigma_h
                                        : sw2 * V(q[l][t - 1], q[l][t - 1], q[l][t - 1], true);
        double input = 0.0;
        if (l == 0) {
          for (std::size_t d = 0; d < x.dim(); ++d) input += x.step(t)[d] * x.step(t)[d];
          input *= su2 / static_cast<double>(x.dim());
        } else {
          input = su2 * V(q[l - 1][t], q[l - 1][t], q[l - 1][t], true);
        }
        q[l][t] = recurrent + input + p_.sigma_b * p_.sigma_b;
      }
    }
    return q;
  }

  // Correlation of [[k11, k12], [k12, k22]]; exactly 1 for one sample at one time; 0 when a
  // variance is zero.
  static double correlation(double k11, double k12, double k22, bool same) {
    if (same) return 1.0;
    const double c = std::sqrt(k11 * k22);
    return c > 0.0 ? std::clamp(k12 / c, -1.0, 1.0) : 0.0;
  }

  double V(double k11, double k12, double k22, bool same) const {
    const double pi = std::acos(-1.0);
    if (p_.activation != Activation::kRelu && p_.activation != Activation::kErf) {
      return same ? duals_.self(k11).v : duals_.pair(k11, k12, k22).v;
    }
    if (p_.activation == Activation::kRelu) {
      const double lam = correlation(k11, k12, k22, same);
      return std::sqrt(k11 * k22) * (lam * (pi - std::acos(lam)) + std::sqrt(1.0 - lam * lam)) / (2 * pi);
    }
    const double k = same ? k11 : k12;
    return 2.0 / pi * std::asin(2.0 * k / std::sqrt((1.0 + 2.0 * k11) * (1.0 + 2.0 * k22)));
  }

  double Vd(double k11, double k12, double k22, bool same) const {
    const double pi = std::acos(-1.0);
    if (p_.activation != Activation::kRelu && p_.activation != Activation::kErf) {
      return same ? duals_.self(k11).dv : duals_.pair(k11, k12, k22).dv;
    }
    if (p_.activation == Activation::kRelu) {
      return (pi - std::acos(correlation(k11, k12, k22, same))) / (2 * pi);
    }
    const double k = same ? k11 : k12;
    return 4.0 / pi / std::sqrt((1.0 + 2.0 * k11) * (1.0 + 2.0 * k22) - 4.0 * k * k);
  }

  KernelParams p_;
  Duals duals_;
};

}  // namespace rntk::testing
