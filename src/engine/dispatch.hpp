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

}  // namespace rntk::engine
