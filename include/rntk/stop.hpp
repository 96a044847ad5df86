// Cooperative interruption. A signal handler (the CLI's Ctrl-C) or another thread (Python's
// KeyboardInterrupt watcher) calls request_stop(); long computations check stop_requested() between
// units of work (Gram tiles, cross-validation fits) and throw an Error of kind kInterrupted, so
// that files under construction are removed as the stack unwinds.
#pragma once

namespace rntk {

void request_stop();       // async-signal-safe
bool stop_requested();
void clear_stop_request();
// Throws Error(kInterrupted) if a stop was requested.
void throw_if_stop_requested();

}  // namespace rntk
