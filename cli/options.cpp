#include "options.hpp"

#include <iostream>
#include <sstream>

#include "rntk/error.hpp"

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
    option->type_name(s.type == ParamSpec::Type::kChoice ? s.range_text()
                      : s.type == ParamSpec::Type::kInteger ? "INT" : "REAL");
    option->group(s.group == ParamSpec::Group::kKernel ? "Kernel parameters" : "Engine");
    options_.emplace_back(s.name, option);
  }
}

Settings ParamOptions::settings() const {
  Settings settings;
  for (const auto& [name, option] : options_) {
    if (option->count() > 0) set_param(settings, name, text_.at(name));
  }
  return settings;
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
  try {
    body();
    return 0;
  } catch (const Error& e) {
    std::cerr << "rntk: error: " << e.what() << "\n";
    return e.kind() == Error::Kind::kParameter ? 2 : 1;
  } catch (const std::bad_alloc&) {
    std::cerr << "rntk: error: out of memory (the Gram matrix needs rows x columns x 8 bytes per "
                 "kernel)\n";
    return 1;
  }
}

}  // namespace rntk::cli
