// Every user-facing parameter of rntk is defined once, in param_specs(): its name, CLI alias, default,
// allowed range and help. The CLI builds its options from this table, the Python module builds its
// keyword arguments and docstrings from it, and `rntk params --markdown` writes docs/PARAMETERS.md.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace rntk {

enum class Activation { kRelu, kErf, kIdentity, kLeakyRelu, kTanh, kSigmoid, kGelu, kCustom };
// Which hidden states the readout sees (spec section 4): the last one, the mean of all of them, or
// each through its own readout (aligned at the last step, scaled by 1 / sqrt(T)).
enum class Readout { kLast, kMean, kSteps };

class SampledActivation;  // activations.hpp

// The network whose infinite-width kernels are computed (spec sections 1 and 4).
struct KernelParams {
  double sigma_w = 1.4142135623730951;  // recurrent weight scale
  double sigma_u = 1.0;                 // input weight scale
  double sigma_b = 0.1;                 // bias scale
  double sigma_h = 0.0;                 // initial hidden state scale
  double sigma_v = 1.0;                 // readout scale
  int layers = 1;                       // L
  Activation activation = Activation::kRelu;
  Readout readout = Readout::kLast;
  bool bidirectional = false;           // plus the same network reading the sequence backwards
  int frozen_layers = 0;                // layers 1 .. F are not trained
  double leaky_slope = 0.01;            // leaky ReLU's slope for z < 0
  int quadrature = 40;                  // quadrature order for activations without a closed form
  std::shared_ptr<const SampledActivation> custom{};  // the function of activation = custom
};

// Which kernel a model uses: the recurrent NTK (the RNTK) or NNGP, or one of the baselines of the
// RNTK paper's comparison on the flattened series: the NTK / NNGP of a fully connected network
// (the "NTK" baseline; sigma_w is its weight scale), Gaussian RBF, polynomial, linear.
// kNtkPlusNngp: the sum of the two recurrent kernels (each cosine-normalised when cosine is set).
enum class KernelType { kNtk, kNngp, kMlpNtk, kMlpNngp, kRbf, kPolynomial, kLinear, kNtkPlusNngp };
enum class Learner { kSvm, kRidge };
enum class LandmarkMethod { kUniform, kKmeansPlusPlus };
enum class Task { kClassification, kRegression };

// Everything about a model except the network: kernel choice, baseline kernel parameters,
// preprocessing, the learner and its model selection.
struct ModelParams {
  KernelType kernel = KernelType::kNtk;
  double gamma = 1.0;       // RBF / polynomial scale, in units of 1 / (length * channels)
  int degree = 3;           // polynomial degree
  double coef0 = 1.0;       // polynomial offset
  bool cosine = true;       // unit-diagonal (cosine) normalisation of the Gram matrix
  bool z_normalise = true;  // z-normalise each series and channel before the kernel
  bool pad = false;         // baselines: zero-pad shorter series instead of refusing them
  int segment = 1;          // time resolution: means of segments of this many steps
  int target_length = 0;    // time resolution: series reduced to this many steps (0: off)
  int scales = 1;           // multi-scale kernel: mean over this many resolutions
  int scale_factor = 2;     // ... each scale_factor times coarser than the one before
  Learner learner = Learner::kSvm;
  double C = 1.0;           // SVM cost
  double alpha = 1e-3;      // kernel ridge regulariser, relative to trace(K) / n
  Task task = Task::kClassification;
  int folds = 5;            // cross-validation folds
  int seed = 0;             // seed of the fold assignment
  int repeats = 1;          // repeated cross-validation: fold assignments with seeds seed, seed+1, ...
  int nystrom = 0;          // Nystrom landmarks (0: the exact Gram matrix); include/rntk/nystrom.hpp
  LandmarkMethod landmarks = LandmarkMethod::kUniform;
};

enum class Simd { kAuto, kAvx512, kAvx2, kPortable };
enum class Precision { kDouble, kFloat };

// How the Gram matrix is computed. Threads and tile size never change a result; the instruction
// set changes the last bits (each has its own vector arc-cosine); float changes it within the
// documented error bound.
struct EngineOptions {
  int threads = 0;      // 0: all hardware threads
  int tile_size = 0;    // a tile is tile_size rows x tile_size columns; 0: resolve_tile_size chooses
  Simd simd = Simd::kAuto;
  Precision precision = Precision::kDouble;
};

struct Settings {
  KernelParams kernel;
  ModelParams model;
  EngineOptions engine;
};

struct ParamSpec {
  enum class Type { kReal, kInteger, kChoice, kBool };
  enum class Group { kKernel, kModel, kEngine };
  std::string name;       // canonical: Python keyword, JSON key, docs
  std::string alias;      // short CLI flag (--sw), empty if none
  Group group;
  Type type;
  double default_value;   // kChoice: index into choices; kBool: 0 or 1
  double min_value;       // inclusive
  double max_value;       // inclusive
  std::vector<std::string> choices;
  std::string help;
  double (*get)(const Settings&);
  void (*set)(Settings&, double);

  std::string range_text() const;                  // "[0, 100]", "finite values >= 0", "relu|erf", "true|false"
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
const char* kernel_name(KernelType k);

// A Markdown table of every parameter (docs/PARAMETERS.md is this output).
std::string params_markdown();

}  // namespace rntk
