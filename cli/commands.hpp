// The subcommands of the rntk executable. Each registers itself on the app and runs when chosen;
// `status` receives the process exit status.
#pragma once

#include <CLI/CLI.hpp>

namespace rntk::cli {

void add_gram_command(CLI::App& app, int& status);
void add_demo_command(CLI::App& app, int& status);
void add_params_command(CLI::App& app, int& status);
void add_classify_commands(CLI::App& app, int& status);  // classify, fit, predict
void add_ucr_command(CLI::App& app, int& status);
void add_dynamics_command(CLI::App& app, int& status);  // predict-dynamics

}  // namespace rntk::cli
