#include "progress.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdio>

#include "rntk/stop.hpp"

namespace rntk::cli {

ProgressBar::ProgressBar()
    : enabled_(isatty(STDERR_FILENO) != 0), start_(std::chrono::steady_clock::now()), last_() {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(double fraction, const std::string& note) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_ < std::chrono::milliseconds(100) && fraction < 1.0) return;
  last_ = now;
  drawn_ = true;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const int width = 30;
  const int filled = static_cast<int>(fraction * width);
  char eta[32] = "?";
  if (fraction > 0.01) std::snprintf(eta, sizeof eta, "%.0fs", elapsed * (1.0 - fraction) / fraction);
  std::fprintf(stderr, "\r[%-*s] %3.0f%% %5.0fs elapsed, ETA %-6s %-40.40s", width,
               std::string(static_cast<std::size_t>(filled), '=').c_str(), 100.0 * fraction, elapsed,
               eta, note.c_str());
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (enabled_ && drawn_) {
    std::fprintf(stderr, "\r%*s\r", 110, "");
    std::fflush(stderr);
    drawn_ = false;
  }
}

namespace {
extern "C" void on_stop_signal(int) { request_stop(); }
}  // namespace

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  // SA_RESTART: a read or write in progress goes on rather than failing with EINTR. SA_RESETHAND:
  // a second signal takes the default action, ending the process at once.
  action.sa_flags = SA_RESTART | SA_RESETHAND;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

}  // namespace rntk::cli
