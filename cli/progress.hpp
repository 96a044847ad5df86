// A progress bar with elapsed time and ETA on stderr, drawn only when stderr is a terminal.
#pragma once

#include <chrono>
#include <string>

namespace rntk::cli {

class ProgressBar {
 public:
  ProgressBar();
  ~ProgressBar();
  // fraction in [0, 1]; redraws at most ten times a second.
  void update(double fraction, const std::string& note);
  void finish();

 private:
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_;
};

// SIGINT and SIGTERM request a cooperative stop (rntk/stop.hpp) instead of killing the process, so
// temporary files are removed and the exit status says what happened (130). A second signal of the
// same kind kills the process at once (its temporary files stay; the final names are never partial).
void install_stop_handlers();

}  // namespace rntk::cli
