#include "options.hpp"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "rntk/error.hpp"
#include "rntk/launch.hpp"
#include "rntk/nystrom.hpp"

namespace rntk::cli {
namespace {

std::string flags_of(const ParamSpec& s) {
  std::string dashed = s.name;
  for (char& c : dashed) {
    if (c == '_') c = '-';
  }
  std::string flags = "--" + dashed;
  if (dashed != s.name) flags += ",--" + s.name;
  if (!s.alias.empty()) flags += (s.alias.size() == 1 ? ",-" : ",--") + s.alias;
  return flags;
}

std::string described(const ParamSpec& s) {
  return s.help + " (default " + s.format(s.default_value) + ", allowed " + s.range_text() + ")";
}

}  // namespace

void ParamOptions::add_to(CLI::App& app, std::vector<ParamSpec::Group> groups) {
  for (const ParamSpec& s : param_specs()) {
    if (std::find(groups.begin(), groups.end(), s.group) == groups.end()) continue;
    CLI::Option* option = app.add_option(flags_of(s), text_[s.name], described(s));
    option->type_name(s.type == ParamSpec::Type::kChoice || s.type == ParamSpec::Type::kBool ? s.range_text()
                      : s.type == ParamSpec::Type::kInteger                                  ? "INT"
                                                                                             : "REAL");
    option->group(s.group == ParamSpec::Group::kKernel ? "Kernel parameters" : "Engine");
    options_.emplace_back(s.name, option);
  }
}

Settings ParamOptions::settings(const std::vector<std::string>& except) const {
  Settings settings;
  for (const auto& [name, option] : options_) {
    if (option->count() > 0 && std::find(except.begin(), except.end(), name) == except.end()) {
      set_param(settings, name, text_.at(name));
    }
  }
  return settings;
}

std::vector<std::pair<std::string, std::string>> ParamOptions::given() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, option] : options_) {
    if (option->count() > 0) out.emplace_back(name, text_.at(name));
  }
  return out;
}

bool ParamOptions::given(const std::string& name) const {
  for (const auto& [n, option] : options_) {
    if (n == name) return option->count() > 0;
  }
  return false;
}

void GridOptions::add_to(CLI::App& app, bool with_method) {
  if (with_method) {
    std::string methods;
    for (const std::string& m : method_names()) methods += (methods.empty() ? "" : ", ") + m;
    app.add_option("--method", method, "default grid to search (default rntk): " + methods);
  }
  grid_text_option_ = app.add_option("--grid", grid_text,
                                     "the grid instead of the method's default: \"name = v1, v2; name = ...\" (with "
                                     "--grid-file, these axes replace the file's)");
  grid_file_option_ = app.add_option("--grid-file", grid_file,
                                     "the grid instead of the method's default, from a file: one axis per line")
                          ->type_name("FILE");
  params.add_to(app, {ParamSpec::Group::kKernel, ParamSpec::Group::kModel, ParamSpec::Group::kEngine});
}

Grid GridOptions::grid(const std::string& name) const {
  // A grid from the file and --grid replaces the method's default grid; without either, the default.
  const bool file_given = grid_file_option_ && grid_file_option_->count() > 0;
  const bool text_given = grid_text_option_ && grid_text_option_->count() > 0;
  Grid g = file_given || text_given ? Grid{} : default_grid(name);
  if (file_given) {
    std::ifstream in(grid_file);
    if (!in) throw io_error(grid_file + ": cannot open for reading (missing file or no permission)");
    std::stringstream text;
    text << in.rdbuf();
    g = merge_grids(g, parse_grid(text.str(), grid_file));
  }
  if (text_given) g = merge_grids(g, parse_grid(grid_text, "--grid"));
  Grid fixed;
  for (const auto& [param, value] : params.given()) fixed.axes.push_back({param, {value}});
  g = merge_grids(g, fixed);
  // Nystrom machines learn by ridge regression: unless the learner is given, the grid searches
  // alpha instead of the SVM's C (docs/CLUSTER.md).
  const auto axis = [&g](const std::string& name) {
    return std::find_if(g.axes.begin(), g.axes.end(), [&](const auto& a) { return a.first == name; });
  };
  if (axis("nystrom") != g.axes.end() && axis("nystrom")->second != std::vector<std::string>{"0"} &&
      axis("learner") == g.axes.end()) {
    g = merge_grids(g, parse_grid("learner = ridge", "--nystrom"));
    if (axis("alpha") == g.axes.end()) g = merge_grids(g, parse_grid(kNystromAlphaAxis, "--nystrom"));
  }
  return g;
}

std::vector<Settings> GridOptions::points(const std::string& name) const {
  return grid(name).points(params.settings());
}

void InputOptions::add_to(CLI::App& app) {
  app.add_option("--input-format", format, "input format (default: from the extension)")
      ->check(CLI::IsMember({"auto", "tsv", "ts", "csv"}));
  app.add_flag("--csv-labels", csv_labels, "CSV input has a class label in its first field");
  app.add_option("--missing", missing,
                 "missing values (NaN, '?') inside a series: error, or interpolate linearly "
                 "(default error; trailing ones are always padding)")
      ->check(CLI::IsMember({"error", "interpolate"}));
}

Dataset InputOptions::read(const std::string& path) const {
  const SequenceFormat f = format == "tsv"   ? SequenceFormat::kUcrTsv
                           : format == "ts"  ? SequenceFormat::kTs
                           : format == "csv" ? SequenceFormat::kCsv
                                             : SequenceFormat::kAuto;
  return read_sequences(path, {f, csv_labels, missing == "interpolate"});
}

void check_same_dimension(const Dataset& a, const Dataset& b) {
  const std::size_t da = a.sequences.dim(), db = b.sequences.dim();
  if (da == db) return;
  throw input_error(a.source + " has sequences of dimension " + std::to_string(da) + " but " + b.source +
                    " has dimension " + std::to_string(db) + "; both sets must have the same number of channels");
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::string params_help() {
  std::ostringstream os;
  os << "Parameters (every command that computes a kernel takes them):\n";
  for (const ParamSpec& s : param_specs()) {
    std::string flags = flags_of(s);
    for (std::size_t p = flags.find(','); p != std::string::npos; p = flags.find(',', p + 2)) {
      flags.replace(p, 1, ", ");
    }
    os << "  " << flags << "\n      " << described(s) << "\n";
  }
  return os.str();
}

int run_reporting_errors(const std::function<void()>& body) {
  int status = 0;
  std::string message;
  try {
    body();
    return 0;
  } catch (const Error& e) {
    if (e.kind() == Error::Kind::kInterrupted) {
      status = 130;
      message = "interrupted; no output was written";
    } else {
      status = e.kind() == Error::Kind::kParameter ? 2 : 1;
      message = std::string("error: ") + e.what();
    }
  } catch (const std::bad_alloc&) {
    status = 1;
    message = "error: out of memory (the Gram matrix needs rows x columns x 8 bytes per kernel; see --memory-budget)";
  }
  // Under MPI the other ranks may be waiting for this one: end the whole job.
  Cluster& cluster = launched_cluster();
  if (cluster.size() > 1) cluster.abort(status, message);
  std::cerr << "rntk: " << message << "\n";
  return status;
}

}  // namespace rntk::cli
