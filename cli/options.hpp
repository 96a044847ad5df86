// CLI options generated from the parameter registry (rntk/params.hpp), shared by every command.
#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <string>
#include <vector>

#include "rntk/params.hpp"

namespace rntk::cli {

class ParamOptions {
 public:
  // Adds one option per registry parameter (in `groups`) to `app`, with its default and range in
  // the help text.
  void add_to(CLI::App& app, std::vector<ParamSpec::Group> groups);
  // The defaults overridden by the options given on the command line; throws rntk::Error naming
  // the parameter and its allowed range.
  Settings settings() const;

 private:
  std::map<std::string, std::string> text_;
  std::vector<std::pair<std::string, CLI::Option*>> options_;
};

// Lines "  --sigma-w, --sw  <help> (default ..., allowed ...)" for every parameter: --help footers.
std::string params_help();

// Runs a command body, turning rntk::Error into a message on stderr and an exit status:
// 2 for bad parameters, 1 for everything else.
int run_reporting_errors(const std::function<void()>& body);

}  // namespace rntk::cli
