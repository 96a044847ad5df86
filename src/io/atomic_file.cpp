#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

#include "rntk/error.hpp"
#include "rntk/io.hpp"
#include "rntk/stop.hpp"

namespace rntk {

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  // Same folder as the target, so that the final rename is atomic; pid and a random tag keep
  // concurrent writers (threads, processes, MPI ranks) apart.
  std::random_device entropy;
  temp_path_ = path_ + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(entropy() % 1000000);
  out_.open(temp_path_, std::ios::binary | std::ios::trunc);
  if (!out_) {
    throw io_error(path_ + ": cannot write here (" + std::strerror(errno) +
                   "); check that the folder exists and is writable");
  }
}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    out_.close();
    std::remove(temp_path_.c_str());
  }
}

void AtomicFile::commit() {
  // A stop requested while the output was being made wins: an interrupted run publishes nothing.
  throw_if_stop_requested();
  out_.flush();
  const bool ok = static_cast<bool>(out_);
  out_.close();
  if (!ok || out_.fail()) throw io_error(path_ + ": write failed (disk full?)");
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    throw io_error(path_ + ": cannot rename the finished temporary file into place (" +
                   std::strerror(errno) + ")");
  }
  committed_ = true;
}

}  // namespace rntk
