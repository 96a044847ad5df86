#include "rntk/params.hpp"

#include <charconv>
#include <cmath>
#include <sstream>

#include "rntk/error.hpp"
#include "shortest.hpp"

namespace rntk {
namespace {

using Type = ParamSpec::Type;
using Group = ParamSpec::Group;

// The single definition of every parameter. Order is the order of --help and of the docs. Defaults
// are the member initialisers of Settings, read back below, so they are written down only once.
std::vector<ParamSpec> make_specs() {
  std::vector<ParamSpec> specs{
      {"sigma_w", "sw", Group::kKernel, Type::kReal, 0, 0.0, 100.0, {},
       "recurrent weight scale sigma_w; sqrt(2) weights all time steps about equally for ReLU, "
       "smaller forgets old steps, larger lets early steps dominate",
       [](const Settings& s) { return s.kernel.sigma_w; },
       [](Settings& s, double v) { s.kernel.sigma_w = v; }},
      {"sigma_u", "su", Group::kKernel, Type::kReal, 0, 0.0, 1000.0, {},
       "input weight scale sigma_u (the input term is sigma_u^2 <x_t, x'_t'> / m)",
       [](const Settings& s) { return s.kernel.sigma_u; },
       [](Settings& s, double v) { s.kernel.sigma_u = v; }},
      {"sigma_b", "sb", Group::kKernel, Type::kReal, 0, 0.0, 1000.0, {},
       "bias scale sigma_b",
       [](const Settings& s) { return s.kernel.sigma_b; },
       [](Settings& s, double v) { s.kernel.sigma_b = v; }},
      {"sigma_h", "sh", Group::kKernel, Type::kReal, 0, 0.0, 1000.0, {},
       "initial hidden state scale sigma_h (h_0 ~ N(0, sigma_h^2), independent per sequence)",
       [](const Settings& s) { return s.kernel.sigma_h; },
       [](Settings& s, double v) { s.kernel.sigma_h = v; }},
      {"sigma_v", "sv", Group::kKernel, Type::kReal, 0, 0.0, 1000.0, {},
       "readout scale sigma_v (multiplies both kernels by sigma_v^2)",
       [](const Settings& s) { return s.kernel.sigma_v; },
       [](Settings& s, double v) { s.kernel.sigma_v = v; }},
      {"layers", "L", Group::kKernel, Type::kInteger, 0, 1, 64, {},
       "number of recurrent layers L",
       [](const Settings& s) { return static_cast<double>(s.kernel.layers); },
       [](Settings& s, double v) { s.kernel.layers = static_cast<int>(v); }},
      {"activation", "", Group::kKernel, Type::kChoice, 0, 0, 1, {"relu", "erf"},
       "activation phi; closed-form dual activations",
       [](const Settings& s) { return static_cast<double>(s.kernel.activation); },
       [](Settings& s, double v) { s.kernel.activation = static_cast<Activation>(v); }},
      {"threads", "", Group::kEngine, Type::kInteger, 0, 0, 1024, {},
       "worker threads; 0 uses every hardware thread. Never changes the result",
       [](const Settings& s) { return static_cast<double>(s.engine.threads); },
       [](Settings& s, double v) { s.engine.threads = static_cast<int>(v); }},
      {"tile_size", "", Group::kEngine, Type::kInteger, 0, 1, 4096, {},
       "rows and columns of the Gram matrix per tile (the unit of work). Never changes the result",
       [](const Settings& s) { return static_cast<double>(s.engine.tile_size); },
       [](Settings& s, double v) { s.engine.tile_size = static_cast<int>(v); }},
  };
  for (ParamSpec& s : specs) s.default_value = s.get(Settings{});
  return specs;
}

std::string normalise_name(std::string_view name) {
  std::string n(name);
  for (char& c : n) {
    if (c == '-') c = '_';
  }
  return n;
}

// Table cells: '|' would end the cell and '<' open an HTML tag.
std::string markdown_cell(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '|' ? "\\|" : c == '<' ? "&lt;" : std::string(1, c);
  return out;
}

}  // namespace

const std::vector<ParamSpec>& param_specs() {
  static const std::vector<ParamSpec> specs = make_specs();
  return specs;
}

const ParamSpec& param_spec(std::string_view name) {
  const std::string n = normalise_name(name);
  std::string known;
  for (const ParamSpec& s : param_specs()) {
    if (s.name == n || (!s.alias.empty() && s.alias == n)) return s;
    known += (known.empty() ? "" : ", ") + s.name;
  }
  throw parameter_error("unknown parameter '" + std::string(name) + "'; known parameters: " + known);
}

std::string ParamSpec::range_text() const {
  if (type == Type::kChoice) {
    std::string r;
    for (const std::string& c : choices) r += (r.empty() ? "" : "|") + c;
    return r;
  }
  return "[" + shortest_text(min_value) + ", " + shortest_text(max_value) + "]";
}

std::string ParamSpec::format(double value) const {
  if (type == Type::kChoice) return choices.at(static_cast<std::size_t>(value));
  return shortest_text(value);
}

void ParamSpec::check(double value) const {
  const bool integral = type != Type::kReal;
  if (!std::isfinite(value) || value < min_value || value > max_value ||
      (integral && value != std::floor(value))) {
    throw parameter_error("parameter " + name + " = " + shortest_text(value) +
                          " is out of range: allowed " + (integral ? "integers in " : "") +
                          range_text());
  }
}

double ParamSpec::parse(std::string_view text) const {
  if (type == Type::kChoice) {
    for (std::size_t i = 0; i < choices.size(); ++i) {
      if (choices[i] == text) return static_cast<double>(i);
    }
    throw parameter_error("parameter " + name + " = '" + std::string(text) +
                          "' is not allowed: choose one of " + range_text());
  }
  double value = 0.0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end) {
    throw parameter_error("parameter " + name + " = '" + std::string(text) +
                          "' is not a number: allowed " + range_text());
  }
  check(value);
  return value;
}

void set_param(Settings& settings, std::string_view name, std::string_view text) {
  const ParamSpec& spec = param_spec(name);
  spec.set(settings, spec.parse(text));
}

void set_param(Settings& settings, std::string_view name, double value) {
  const ParamSpec& spec = param_spec(name);
  spec.check(value);
  spec.set(settings, value);
}

void validate(const Settings& settings) {
  for (const ParamSpec& s : param_specs()) s.check(s.get(settings));
}

void validate(const KernelParams& params) { validate(Settings{params, EngineOptions{}}); }

const char* activation_name(Activation a) {
  return a == Activation::kRelu ? "relu" : "erf";
}

std::string params_markdown() {
  std::ostringstream os;
  os << "| parameter | CLI | default | allowed | meaning |\n|---|---|---|---|---|\n";
  for (const ParamSpec& s : param_specs()) {
    std::string cli = "--" + s.name;
    for (char& c : cli) {
      if (c == '_') c = '-';
    }
    if (!s.alias.empty()) cli += (s.alias.size() == 1 ? ", -" : ", --") + s.alias;
    os << "| `" << s.name << "` | `" << cli << "` | " << s.format(s.default_value) << " | "
       << markdown_cell(s.range_text()) << " | " << markdown_cell(s.help) << " |\n";
  }
  return os.str();
}

}  // namespace rntk
