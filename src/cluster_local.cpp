// The one-process cluster: an atomic counter, POSIX positioned I/O.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "rntk/cluster.hpp"
#include "rntk/error.hpp"

namespace rntk {
namespace {

class PosixFile final : public SharedFile {
 public:
  PosixFile(const std::string& path, bool create) : path_(path) {
    fd_ = ::open(path.c_str(), create ? O_RDWR | O_CREAT | O_TRUNC : O_RDWR, 0644);
    if (fd_ < 0) throw io_error(path + ": cannot open for writing (" + std::strerror(errno) + ")");
  }
  ~PosixFile() override { ::close(fd_); }

  void write_at(std::uint64_t offset, const void* data, std::size_t bytes) override {
    const char* p = static_cast<const char*>(data);
    while (bytes > 0) {
      const ssize_t n = ::pwrite(fd_, p, bytes, static_cast<off_t>(offset));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw io_error(path_ + ": write failed (" + std::strerror(errno) + "; disk full?)");
      p += n;
      offset += static_cast<std::uint64_t>(n);
      bytes -= static_cast<std::size_t>(n);
    }
  }

  void read_at(std::uint64_t offset, void* data, std::size_t bytes) override {
    char* p = static_cast<char*>(data);
    while (bytes > 0) {
      const ssize_t n = ::pread(fd_, p, bytes, static_cast<off_t>(offset));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw io_error(path_ + ": read failed (" + std::strerror(errno) + ")");
      p += n;
      offset += static_cast<std::uint64_t>(n);
      bytes -= static_cast<std::size_t>(n);
    }
  }

 private:
  std::string path_;
  int fd_ = -1;
};

class AtomicCounter final : public WorkCounter {
 public:
  std::uint64_t take(std::uint64_t count) override { return next_.fetch_add(count); }

 private:
  std::atomic<std::uint64_t> next_{0};
};

class LocalCluster final : public Cluster {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::unique_ptr<WorkCounter> make_counter() override { return std::make_unique<AtomicCounter>(); }
  void barrier() override {}
  void sum(std::span<double>) override {}
  std::vector<double> gather(const std::vector<double>& values) override { return values; }
  std::string broadcast(const std::string& text) override { return text; }
  std::unique_ptr<SharedFile> open_shared(const std::string& path, bool create) override {
    return std::make_unique<PosixFile>(path, create);
  }
  [[noreturn]] void abort(int status, const std::string& message) override {
    std::cerr << "rntk: " << message << "\n";
    std::exit(status);
  }
};

}  // namespace

Cluster& local_cluster() {
  static LocalCluster cluster;
  return cluster;
}

}  // namespace rntk
