// The MPI cluster (OpenMPI, MPICH): ranks of MPI_COMM_WORLD. MPI is entered from several OpenMP
// threads of a rank, so every call holds one mutex (MPI_THREAD_SERIALIZED). The shared work
// counter is one integer in an RMA window on the leader, advanced with MPI_Fetch_and_op: no rank
// is set aside to hand out work.
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <span>

#include "rntk/error.hpp"
#include "rntk/launch.hpp"

#ifdef RNTK_WITH_MPI
#include <mpi.h>
#endif

namespace rntk {

#ifdef RNTK_WITH_MPI
namespace {

// Collectives move at most this many doubles per call: MPI counts are int.
constexpr std::size_t kMaxPiece = std::size_t{1} << 27;

std::mutex& mpi_mutex() {
  static std::mutex m;
  return m;
}

void check(int status, const char* what) {
  if (status == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(status, text, &length);
  throw io_error(std::string("MPI ") + what + " failed: " + std::string(text, static_cast<std::size_t>(length)));
}

class MpiFile final : public SharedFile {
 public:
  MpiFile(const std::string& path, bool create) : path_(path) {
    std::lock_guard<std::mutex> lock(mpi_mutex());
    const int mode = MPI_MODE_RDWR | (create ? MPI_MODE_CREATE : 0);
    const int status = MPI_File_open(MPI_COMM_WORLD, path.c_str(), mode, MPI_INFO_NULL, &file_);
    if (status != MPI_SUCCESS) throw io_error(path + ": cannot open for writing on every rank (MPI-IO)");
    if (create) check(MPI_File_set_size(file_, 0), "File_set_size");
  }
  ~MpiFile() override {
    std::lock_guard<std::mutex> lock(mpi_mutex());
    MPI_File_close(&file_);
  }
  void write_at(std::uint64_t offset, const void* data, std::size_t bytes) override {
    std::lock_guard<std::mutex> lock(mpi_mutex());
    MPI_Status status;
    if (MPI_File_write_at(file_, static_cast<MPI_Offset>(offset), data, static_cast<int>(bytes), MPI_BYTE, &status) !=
        MPI_SUCCESS) {
      throw io_error(path_ + ": write failed (MPI-IO; disk full?)");
    }
  }
  void read_at(std::uint64_t offset, void* data, std::size_t bytes) override {
    std::lock_guard<std::mutex> lock(mpi_mutex());
    MPI_Status status;
    if (MPI_File_read_at(file_, static_cast<MPI_Offset>(offset), data, static_cast<int>(bytes), MPI_BYTE, &status) !=
        MPI_SUCCESS) {
      throw io_error(path_ + ": read failed (MPI-IO)");
    }
  }

 private:
  std::string path_;
  MPI_File file_ = MPI_FILE_NULL;
};

class WindowCounter final : public WorkCounter {
 public:
  explicit WindowCounter(bool leader) {
    std::lock_guard<std::mutex> lock(mpi_mutex());
    const MPI_Aint bytes = leader ? sizeof(std::uint64_t) : 0;
    check(MPI_Win_allocate(bytes, sizeof(std::uint64_t), MPI_INFO_NULL, MPI_COMM_WORLD, &base_, &window_),
          "Win_allocate");
    if (leader) *static_cast<std::uint64_t*>(base_) = 0;
    check(MPI_Barrier(MPI_COMM_WORLD), "Barrier");
    check(MPI_Win_lock_all(0, window_), "Win_lock_all");
  }
  ~WindowCounter() override {
    std::lock_guard<std::mutex> lock(mpi_mutex());
    MPI_Win_unlock_all(window_);
    MPI_Win_free(&window_);
  }
  std::uint64_t take(std::uint64_t count) override {
    std::lock_guard<std::mutex> lock(mpi_mutex());
    std::uint64_t first = 0;
    check(MPI_Fetch_and_op(&count, &first, MPI_UINT64_T, 0, 0, MPI_SUM, window_), "Fetch_and_op");
    check(MPI_Win_flush(0, window_), "Win_flush");
    return first;
  }

 private:
  void* base_ = nullptr;
  MPI_Win window_ = MPI_WIN_NULL;
};

class MpiCluster final : public Cluster {
 public:
  MpiCluster() {
    int provided = 0;
    check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided), "Init_thread");
    if (provided < MPI_THREAD_SERIALIZED) {
      std::cerr << "rntk: error: this MPI library does not support calls from several threads "
                   "(MPI_THREAD_SERIALIZED); run with --threads 1\n";
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  ~MpiCluster() override { MPI_Finalize(); }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::unique_ptr<WorkCounter> make_counter() override { return std::make_unique<WindowCounter>(leader()); }
  void barrier() override {
    std::lock_guard<std::mutex> lock(mpi_mutex());
    check(MPI_Barrier(MPI_COMM_WORLD), "Barrier");
  }
  void sum(std::span<double> values) override {
    std::lock_guard<std::mutex> lock(mpi_mutex());
    for (std::size_t done = 0; done < values.size();) {
      const std::size_t piece = std::min<std::size_t>(kMaxPiece, values.size() - done);
      check(MPI_Allreduce(MPI_IN_PLACE, values.data() + done, static_cast<int>(piece), MPI_DOUBLE, MPI_SUM,
                          MPI_COMM_WORLD),
            "Allreduce");
      done += piece;
    }
  }
  std::vector<double> gather(const std::vector<double>& values) override {
    std::lock_guard<std::mutex> lock(mpi_mutex());
    const long long mine = static_cast<long long>(values.size());
    std::vector<long long> counts(static_cast<std::size_t>(size_));
    check(MPI_Gather(&mine, 1, MPI_LONG_LONG, counts.data(), 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD), "Gather");
    std::vector<double> all;
    if (leader()) {
      std::size_t total = 0;
      for (long long c : counts) total += static_cast<std::size_t>(c);
      all.resize(total);
      std::size_t at = static_cast<std::size_t>(counts[0]);
      std::copy(values.begin(), values.end(), all.begin());
      for (int r = 1; r < size_; ++r) {
        for (std::size_t done = 0; done < static_cast<std::size_t>(counts[static_cast<std::size_t>(r)]);) {
          const std::size_t piece = std::min<std::size_t>(kMaxPiece, static_cast<std::size_t>(counts[static_cast<std::size_t>(r)]) - done);
          check(MPI_Recv(all.data() + at + done, static_cast<int>(piece), MPI_DOUBLE, r, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
                "Recv");
          done += piece;
        }
        at += static_cast<std::size_t>(counts[static_cast<std::size_t>(r)]);
      }
    } else {
      for (std::size_t done = 0; done < values.size();) {
        const std::size_t piece = std::min<std::size_t>(kMaxPiece, values.size() - done);
        check(MPI_Send(values.data() + done, static_cast<int>(piece), MPI_DOUBLE, 0, 7, MPI_COMM_WORLD), "Send");
        done += piece;
      }
    }
    return all;
  }
  std::string broadcast(const std::string& text) override {
    std::lock_guard<std::mutex> lock(mpi_mutex());
    long long n = static_cast<long long>(text.size());
    check(MPI_Bcast(&n, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD), "Bcast");
    std::string out = leader() ? text : std::string(static_cast<std::size_t>(n), '\0');
    check(MPI_Bcast(out.data(), static_cast<int>(n), MPI_CHAR, 0, MPI_COMM_WORLD), "Bcast");
    return out;
  }
  std::unique_ptr<SharedFile> open_shared(const std::string& path, bool create) override {
    return std::make_unique<MpiFile>(path, create);
  }
  [[noreturn]] void abort(int status, const std::string& message) override {
    std::cerr << "rntk (rank " << rank_ << " of " << size_ << "): " << message << "\n" << std::flush;
    MPI_Abort(MPI_COMM_WORLD, status);
    std::_Exit(status);
  }

 private:
  int rank_ = 0, size_ = 1;
};

// Variables the common launchers set in every process they start.
bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"}) {
    if (std::getenv(v)) return true;
  }
  return false;
}

}  // namespace

Cluster& launched_cluster() {
  if (!launched_by_mpi()) return local_cluster();
  static MpiCluster cluster;
  return cluster;
}

bool built_with_mpi() { return true; }

#else

Cluster& launched_cluster() { return local_cluster(); }
bool built_with_mpi() { return false; }

#endif

}  // namespace rntk
