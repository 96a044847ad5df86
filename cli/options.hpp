// CLI options generated from the parameter registry (rntk/params.hpp), shared by every command.
#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <string>
#include <vector>

#include "rntk/io.hpp"
#include "rntk/params.hpp"
#include "rntk/selection.hpp"

namespace rntk::cli {

class ParamOptions {
 public:
  // Adds one option per registry parameter (in `groups`) to `app`, with its default and range in
  // the help text.
  void add_to(CLI::App& app, std::vector<ParamSpec::Group> groups);
  // The defaults overridden by the options given on the command line (but those in `except`);
  // throws rntk::Error naming the parameter and its allowed range.
  Settings settings(const std::vector<std::string>& except = {}) const;
  // The parameters given on the command line: (canonical name, text).
  std::vector<std::pair<std::string, std::string>> given() const;
  bool given(const std::string& name) const;

 private:
  std::map<std::string, std::string> text_;
  std::vector<std::pair<std::string, CLI::Option*>> options_;
};

// How a command that trains picks its model-selection grid: the default grid of a method, or the
// axes of a grid file and of --grid; then every parameter given as an option fixes its axis.
struct GridOptions {
  std::string method = "rntk";
  std::string grid_text;
  std::string grid_file;
  ParamOptions params;

  // Adds --method (when `with_method`), --grid, --grid-file and every parameter.
  void add_to(CLI::App& app, bool with_method);
  Grid grid(const std::string& method) const;
  std::vector<Settings> points(const std::string& method) const;

 private:
  // Tell `--grid ''` (an empty grid: an error) from no --grid (the default grid).
  CLI::Option* grid_text_option_ = nullptr;
  CLI::Option* grid_file_option_ = nullptr;
};

// Reads a data set with the command's input options.
struct InputOptions {
  std::string format = "auto";
  bool csv_labels = false;
  std::string missing = "error";
  void add_to(CLI::App& app);
  Dataset read(const std::string& path) const;
};

// Throws (kInput) naming both files and their dimensions unless their sequences have the same
// number of channels: for commands that read two sets, right after reading, before any work.
void check_same_dimension(const Dataset& a, const Dataset& b);

// "a,b,,c" -> {"a", "b", "c"}.
std::vector<std::string> split_list(const std::string& s);

// Lines "  --sigma-w, --sw  <help> (default ..., allowed ...)" for every parameter: --help footers.
std::string params_help();

// Runs a command body, turning rntk::Error into a message on stderr and an exit status:
// 2 for bad parameters, 130 when interrupted, 1 for everything else.
int run_reporting_errors(const std::function<void()>& body);

}  // namespace rntk::cli
