#include "rntk/stop.hpp"

#include <atomic>

#include "rntk/error.hpp"

namespace rntk {
namespace {
std::atomic<bool> stop_flag{false};
static_assert(std::atomic<bool>::is_always_lock_free, "request_stop must be async-signal-safe");
}  // namespace

void request_stop() { stop_flag.store(true, std::memory_order_relaxed); }
bool stop_requested() { return stop_flag.load(std::memory_order_relaxed); }
void clear_stop_request() { stop_flag.store(false, std::memory_order_relaxed); }
void throw_if_stop_requested() {
  if (stop_requested()) throw Error(Error::Kind::kInterrupted, "interrupted");
}

}  // namespace rntk
