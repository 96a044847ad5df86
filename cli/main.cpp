// rntk: Recurrent Neural Tangent Kernels from the command line.
#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "options.hpp"
#include "progress.hpp"
#include "rntk/version.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "rntk " RNTK_VERSION ": the Recurrent Neural Tangent Kernel (RNTK) and NNGP of infinitely wide "
      "deep Elman RNNs, exact for sequences of different lengths.",
      "rntk"};
  app.set_version_flag("--version", RNTK_VERSION);
  app.require_subcommand(1);
  int status = 0;
  rntk::cli::add_gram_command(app, status);
  rntk::cli::add_classify_commands(app, status);
  rntk::cli::add_ucr_command(app, status);
  rntk::cli::add_dynamics_command(app, status);
  rntk::cli::add_demo_command(app, status);
  rntk::cli::add_params_command(app, status);
  app.footer(rntk::cli::params_help());  // after the subcommands, which would inherit it
  rntk::cli::install_stop_handlers();
  CLI11_PARSE(app, argc, argv);
  return status;
}
