// The cluster this process belongs to: the MPI job when the process was started by an MPI launcher
// (mpirun, mpiexec, srun) and rntk was built with MPI (CMake option RNTK_MPI), otherwise this
// process alone. A plain `rntk ...` never initialises MPI.
#pragma once

#include "rntk/cluster.hpp"

namespace rntk {

// The first call initialises MPI when launched by it; MPI is finalised at exit.
Cluster& launched_cluster();
bool built_with_mpi();

}  // namespace rntk
