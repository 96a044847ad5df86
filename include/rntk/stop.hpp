// Cooperative interruption. A signal handler (the CLI's Ctrl-C or SIGTERM) or another thread
// (Python's KeyboardInterrupt watcher) calls request_stop(); long computations check
// stop_requested() between units of work (Gram tiles, cross-validation fits, lines of a read file,
// rows of a written matrix) and throw an Error of kind kInterrupted, so that files under
// construction are removed as the stack unwinds. Work that cannot check (one libsvm solve, one
// Cholesky factorisation, one matrix product) runs through run_abandonable, so that the caller
// still returns at once. AtomicFile::commit refuses once a stop was requested.
#pragma once

#include <functional>

namespace rntk {

void request_stop();       // async-signal-safe
bool stop_requested();
void clear_stop_request();
// Throws Error(kInterrupted) if a stop was requested.
void throw_if_stop_requested();

// Runs `work` on a thread of its own and waits for it, checking for a stop request every 10 ms;
// rethrows what `work` throws. On a stop request it throws Error(kInterrupted) without waiting:
// `work` is left to finish in the background (it cannot be cut short), so it must own everything
// it touches (capture by value or by shared_ptr, never references to the caller's locals).
void run_abandonable(std::function<void()> work);

}  // namespace rntk
