// Every user-facing parameter of rntk is defined once, in param_specs(): its name, CLI alias, default,
// allowed range and help. The CLI builds its options from this table, the Python module builds its
// keyword arguments and docstrings from it, and `rntk params --markdown` writes docs/PARAMETERS.md.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace rntk {

enum class Activation { kRelu, kErf };

// The network whose infinite-width kernels are computed (spec section 1).
struct KernelParams {
  double sigma_w = 1.4142135623730951;  // recurrent weight scale
  double sigma_u = 1.0;                 // input weight scale
  double sigma_b = 0.1;                 // bias scale
  double sigma_h = 0.0;                 // initial hidden state scale
  double sigma_v = 1.0;                 // readout scale
  int layers = 1;                       // L
  Activation activation = Activation::kRelu;
};

// How the Gram matrix is computed; never changes a result, only how fast it comes.
struct EngineOptions {
  int threads = 0;      // 0: all hardware threads
  int tile_size = 64;   // a tile is tile_size rows x tile_size columns of the Gram matrix
};

struct Settings {
  KernelParams kernel;
  EngineOptions engine;
};

struct ParamSpec {
  enum class Type { kReal, kInteger, kChoice };
  enum class Group { kKernel, kEngine };
  std::string name;       // canonical: Python keyword, JSON key, docs
  std::string alias;      // short CLI flag (--sw), empty if none
  Group group;
  Type type;
  double default_value;   // for kChoice: index into choices
  double min_value;       // inclusive
  double max_value;       // inclusive
  std::vector<std::string> choices;
  std::string help;
  double (*get)(const Settings&);
  void (*set)(Settings&, double);

  std::string range_text() const;                  // "[0, 100]" or "relu|erf"
  std::string format(double value) const;          // a value as the user writes it
  double parse(std::string_view text) const;       // text -> value; throws naming the parameter
  void check(double value) const;                  // throws naming the parameter and range
};

const std::vector<ParamSpec>& param_specs();
// Throws a parameter error listing the known names when `name` is unknown. Accepts the canonical
// name, its alias, and dashes for underscores (sigma-w).
const ParamSpec& param_spec(std::string_view name);

// Sets a parameter from text or from a value, checking its range.
void set_param(Settings& settings, std::string_view name, std::string_view text);
void set_param(Settings& settings, std::string_view name, double value);

// Throws a parameter error for the first parameter outside its range.
void validate(const Settings& settings);
void validate(const KernelParams& params);

const char* activation_name(Activation a);

// A Markdown table of every parameter (docs/PARAMETERS.md is this output).
std::string params_markdown();

}  // namespace rntk
