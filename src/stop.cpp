#include "rntk/stop.hpp"

#include <omp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

#include "rntk/error.hpp"

namespace rntk {
namespace {
std::atomic<bool> stop_flag{false};
static_assert(std::atomic<bool>::is_always_lock_free, "request_stop must be async-signal-safe");

// What the caller of run_abandonable and its worker share; the last of them to let go frees it.
struct Handoff {
  std::mutex mutex;
  std::condition_variable finished;
  bool done = false;
  std::exception_ptr error;
};
}  // namespace

void request_stop() { stop_flag.store(true, std::memory_order_relaxed); }
bool stop_requested() { return stop_flag.load(std::memory_order_relaxed); }
void clear_stop_request() { stop_flag.store(false, std::memory_order_relaxed); }
void throw_if_stop_requested() {
  if (stop_requested()) throw Error(Error::Kind::kInterrupted, "interrupted");
}

void run_abandonable(std::function<void()> work) {
  throw_if_stop_requested();
  auto handoff = std::make_shared<Handoff>();
  // OpenMP inside `work` (Eigen's products) uses the threads it would have used on the caller's
  // thread: one inside a parallel region (the cross-validation fits), all of them outside.
  const int threads = omp_get_num_threads() > 1 ? 1 : omp_get_max_threads();
  // Detached: an abandoned worker must not hold up the caller, and a finished one needs nothing.
  std::thread([handoff, threads, work = std::move(work)] {
    omp_set_num_threads(threads);
    std::exception_ptr error;
    try {
      work();
    } catch (...) {
      error = std::current_exception();
    }
    std::lock_guard<std::mutex> lock(handoff->mutex);
    handoff->error = error;
    handoff->done = true;
    handoff->finished.notify_one();
  }).detach();
  std::unique_lock<std::mutex> lock(handoff->mutex);
  while (!handoff->finished.wait_for(lock, std::chrono::milliseconds(10), [&] { return handoff->done; })) {
    throw_if_stop_requested();
  }
  if (handoff->error) std::rethrow_exception(handoff->error);
}

}  // namespace rntk
