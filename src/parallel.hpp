// Exceptions must not escape an OpenMP region. FirstError::run catches them, keeps the first one and
// makes the remaining work items return at once; rethrow() raises it after the region.
#pragma once

#include <atomic>
#include <exception>
#include <mutex>

namespace rntk {

class FirstError {
 public:
  template <class Work>
  void run(Work&& work) {
    if (failed_.load(std::memory_order_relaxed)) return;
    try {
      work();
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
      failed_.store(true, std::memory_order_relaxed);
    }
  }
  bool failed() const { return failed_.load(std::memory_order_relaxed); }
  void rethrow() const {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  std::atomic<bool> failed_{false};
  std::mutex mutex_;
  std::exception_ptr error_;
};

}  // namespace rntk
