// Which tile walk runs: the widest instruction set the processor has (or the one asked for), in
// double or float.
#pragma once

#include "tile_walk.hpp"

namespace rntk::engine {

void walk_avx512(const TileInput& in, Workspace<double>& ws, const TileOutput& out);
void walk_avx512(const TileInput& in, Workspace<float>& ws, const TileOutput& out);
void walk_avx2(const TileInput& in, Workspace<double>& ws, const TileOutput& out);
void walk_avx2(const TileInput& in, Workspace<float>& ws, const TileOutput& out);
void walk_portable(const TileInput& in, Workspace<double>& ws, const TileOutput& out);
void walk_portable(const TileInput& in, Workspace<float>& ws, const TileOutput& out);

void mean_pool_avx512(const TileInput& in, const PairInput& pair, Workspace<double>& ws, double* ntk, double* nngp);
void mean_pool_avx512(const TileInput& in, const PairInput& pair, Workspace<float>& ws, double* ntk, double* nngp);
void mean_pool_avx2(const TileInput& in, const PairInput& pair, Workspace<double>& ws, double* ntk, double* nngp);
void mean_pool_avx2(const TileInput& in, const PairInput& pair, Workspace<float>& ws, double* ntk, double* nngp);
void mean_pool_portable(const TileInput& in, const PairInput& pair, Workspace<double>& ws, double* ntk, double* nngp);
void mean_pool_portable(const TileInput& in, const PairInput& pair, Workspace<float>& ws, double* ntk, double* nngp);

// The calibration loop (relu_dual_loop in tile_walk.hpp) per instruction set, in double.
void relu_dual_loop_avx512(const double* lam, const double* scale, double* v, double* dv, std::size_t n,
                           std::size_t repeats);
void relu_dual_loop_avx2(const double* lam, const double* scale, double* v, double* dv, std::size_t n,
                         std::size_t repeats);
void relu_dual_loop_portable(const double* lam, const double* scale, double* v, double* dv, std::size_t n,
                             std::size_t repeats);

// The update-alone loop (relu_update_loop in tile_walk.hpp) per instruction set.
void relu_update_loop_avx512(double* v, double* vth, const double* input, const double* col_norm,
                             const double* col_inv_norm, const SelfCell& row, std::size_t rows, std::size_t lanes,
                             std::size_t repeats);
void relu_update_loop_avx2(double* v, double* vth, const double* input, const double* col_norm,
                           const double* col_inv_norm, const SelfCell& row, std::size_t rows, std::size_t lanes,
                           std::size_t repeats);
void relu_update_loop_portable(double* v, double* vth, const double* input, const double* col_norm,
                               const double* col_inv_norm, const SelfCell& row, std::size_t rows, std::size_t lanes,
                               std::size_t repeats);

}  // namespace rntk::engine
