// The processes that share one computation: the MPI ranks of an `mpirun` job, or this process
// alone. Everything distributed in rntk goes through this interface, so the same code runs in one
// process (LocalCluster) and on many (MpiCluster, src/cluster_mpi.cpp, built when MPI is found).
//
// Work sharing is dynamic: a shared counter hands out items (tiles of a Gram matrix, row blocks of
// a Nystrom feature matrix) to whichever thread of whichever rank asks next, so ranks that get
// cheap tiles (short sequences) simply take more of them. Results never depend on who computed
// what: every item is computed by the same arithmetic anywhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace rntk {

// A file written and read at byte offsets by every process of a cluster (POSIX pwrite in one
// process, MPI-IO across ranks). All methods may be called from several threads at once.
class SharedFile {
 public:
  virtual ~SharedFile() = default;
  virtual void write_at(std::uint64_t offset, const void* data, std::size_t bytes) = 0;
  virtual void read_at(std::uint64_t offset, void* data, std::size_t bytes) = 0;
};

// A counter shared by every thread of every rank: take(count) returns the first of `count`
// consecutive items nobody else got; items at or past the end of the work mean there is none left.
class WorkCounter {
 public:
  virtual ~WorkCounter() = default;
  virtual std::uint64_t take(std::uint64_t count) = 0;
};

class Cluster {
 public:
  virtual ~Cluster() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  bool leader() const { return rank() == 0; }

  // A new counter starting at 0 (collective: every rank calls it).
  virtual std::unique_ptr<WorkCounter> make_counter() = 0;

  virtual void barrier() = 0;
  // Element-wise sum over all ranks, in place, the same on every rank (collective). The order of
  // the additions is fixed by the rank count, never by timing.
  virtual void sum(std::span<double> values) = 0;
  // Every rank's `values` concatenated in rank order, on the leader (collective; empty elsewhere).
  virtual std::vector<double> gather(const std::vector<double>& values) = 0;
  // The leader's text on every rank (collective).
  virtual std::string broadcast(const std::string& text) = 0;
  // Opens (creating when `create`) a file every rank writes into (collective).
  virtual std::unique_ptr<SharedFile> open_shared(const std::string& path, bool create) = 0;

  // Stops every rank: prints "rntk: " and `message` and ends the job with `status`. Used when one rank meets an
  // error the others cannot know about; they are ended by the launcher within seconds.
  [[noreturn]] virtual void abort(int status, const std::string& message) = 0;
};

// This process alone.
Cluster& local_cluster();

}  // namespace rntk
