#include "rntk/params.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <sstream>

#include "rntk/error.hpp"
#include "shortest.hpp"

namespace rntk {
namespace {

using Type = ParamSpec::Type;
using Group = ParamSpec::Group;

// Reads and writes one member of Settings as a double (enums by index, bools as 0 and 1).
#define RNTK_MEMBER(member, type)                                      \
  [](const Settings& s) { return static_cast<double>(s.member); }, \
  [](Settings& s, double v) { s.member = static_cast<type>(v); }

// The single definition of every parameter. Order is the order of --help and of the docs. Defaults
// are the member initialisers of Settings, read back below, so they are written down only once.
std::vector<ParamSpec> make_specs() {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  std::vector<ParamSpec> specs{
      {"sigma_w", "sw", Group::kKernel, Type::kReal, 0, 0.0, 100.0, {},
       "recurrent weight scale sigma_w (for mlp kernels: the weight scale); sqrt(2) weights all "
       "time steps about equally for ReLU, smaller forgets old steps, larger lets early steps "
       "dominate",
       RNTK_MEMBER(kernel.sigma_w, double)},
      {"sigma_u", "su", Group::kKernel, Type::kReal, 0, 0.0, 1000.0, {},
       "input weight scale sigma_u (the input term is sigma_u^2 <x_t, x'_t'> / m)",
       RNTK_MEMBER(kernel.sigma_u, double)},
      {"sigma_b", "sb", Group::kKernel, Type::kReal, 0, 0.0, 1000.0, {}, "bias scale sigma_b",
       RNTK_MEMBER(kernel.sigma_b, double)},
      {"sigma_h", "sh", Group::kKernel, Type::kReal, 0, 0.0, 1000.0, {},
       "initial hidden state scale sigma_h (h_0 ~ N(0, sigma_h^2), independent per sequence)",
       RNTK_MEMBER(kernel.sigma_h, double)},
      {"sigma_v", "sv", Group::kKernel, Type::kReal, 0, 0.0, 1000.0, {},
       "readout scale sigma_v (multiplies both kernels by sigma_v^2)",
       RNTK_MEMBER(kernel.sigma_v, double)},
      {"layers", "L", Group::kKernel, Type::kInteger, 0, 1, 1000, {},
       "number of layers L (recurrent, or hidden layers of the mlp kernels)",
       RNTK_MEMBER(kernel.layers, int)},
      {"activation", "", Group::kKernel, Type::kChoice, 0, 0, 7,
       {"relu", "erf", "identity", "leaky_relu", "tanh", "sigmoid", "gelu", "custom"},
       "activation phi; relu, erf, identity and leaky_relu have closed-form dual activations, the "
       "others go through quadrature (custom: a function given from Python)",
       RNTK_MEMBER(kernel.activation, Activation)},
      {"readout", "", Group::kKernel, Type::kChoice, 0, 0, 2, {"last", "mean", "steps"},
       "what the readout sees: the last hidden state; the mean over all time steps (exact, every "
       "pair of time steps: O(T T') per pair); or every step through its own readout, aligned at "
       "the last step and scaled 1/sqrt(T) (O(min(T, T')) per pair)",
       RNTK_MEMBER(kernel.readout, Readout)},
      {"bidirectional", "", Group::kKernel, Type::kBool, 0, 0, 1, {},
       "add a second network reading the sequences backwards: K(x, y) + K(reversed x, reversed y)",
       RNTK_MEMBER(kernel.bidirectional, bool)},
      {"frozen_layers", "", Group::kKernel, Type::kInteger, 0, 0, 1000, {},
       "the first F layers are not trained (their weights stay at initialisation); F = layers "
       "leaves only the readout trained, so the NTK equals the NNGP",
       RNTK_MEMBER(kernel.frozen_layers, int)},
      {"leaky_slope", "", Group::kKernel, Type::kReal, 0, -100.0, 100.0, {},
       "slope of leaky_relu for negative inputs", RNTK_MEMBER(kernel.leaky_slope, double)},
      {"quadrature", "", Group::kKernel, Type::kInteger, 0, 4, 256, {},
       "quadrature order for activations without a closed form (cost: 4 order^2 evaluations per "
       "cell)",
       RNTK_MEMBER(kernel.quadrature, int)},

      {"kernel", "", Group::kModel, Type::kChoice, 0, 0, 7,
       {"ntk", "nngp", "mlp-ntk", "mlp-nngp", "rbf", "poly", "linear", "ntk+nngp"},
       "kernel of the model: the recurrent NTK (the RNTK) or NNGP, or a baseline on the "
       "flattened series: the NTK / NNGP of a fully connected net, Gaussian RBF, polynomial, "
       "linear; ntk+nngp is the mean of the recurrent NTK and NNGP (each cosine-normalised when "
       "cosine is set)",
       RNTK_MEMBER(model.kernel, KernelType)},
      {"gamma", "", Group::kModel, Type::kReal, 0, 0.0, kInf, {},
       "rbf exp(-g |x - y|^2) and poly (g <x, y> + coef0)^degree with g = gamma / (length * "
       "channels)",
       RNTK_MEMBER(model.gamma, double)},
      {"degree", "", Group::kModel, Type::kInteger, 0, 1, 20, {}, "poly kernel degree",
       RNTK_MEMBER(model.degree, int)},
      {"coef0", "", Group::kModel, Type::kReal, 0, 0.0, kInf, {}, "poly kernel offset",
       RNTK_MEMBER(model.coef0, double)},
      {"cosine", "", Group::kModel, Type::kBool, 0, 0, 1, {},
       "unit-diagonal (cosine) normalisation of the Gram matrix, K(x,y) / sqrt(K(x,x) K(y,y))",
       RNTK_MEMBER(model.cosine, bool)},
      {"z_normalise", "", Group::kModel, Type::kBool, 0, 0, 1, {},
       "z-normalise each series and channel (mean 0, standard deviation 1) before the kernel",
       RNTK_MEMBER(model.z_normalise, bool)},
      {"pad", "", Group::kModel, Type::kBool, 0, 0, 1, {},
       "baseline kernels on series of different lengths: pad shorter ones with zeros at the end and "
       "cut longer ones to the longest training length (else an error)",
       RNTK_MEMBER(model.pad, bool)},
      {"segment", "", Group::kModel, Type::kInteger, 0, 1, 1e9, {},
       "time resolution: each series (after z-normalisation) replaced by the means of segments of "
       "this many steps, counted back from the last step (the first segment may be shorter), so "
       "series of different lengths keep their length ratio; 1 keeps every step",
       RNTK_MEMBER(model.segment, int)},
      {"target_length", "", Group::kModel, Type::kInteger, 0, 0, 1e9, {},
       "time resolution: each series longer than this reduced to this many steps by piecewise "
       "aggregate approximation (after segment); 0 keeps every length",
       RNTK_MEMBER(model.target_length, int)},
      {"scales", "", Group::kModel, Type::kInteger, 0, 1, 16, {},
       "multi-scale kernel: the mean of the kernel at this many time resolutions, the series "
       "averaged over segments of scale_factor^j steps for j = 0 .. scales - 1 (after segment "
       "and target_length); each level is cosine-normalised when cosine is set",
       RNTK_MEMBER(model.scales, int)},
      {"scale_factor", "", Group::kModel, Type::kInteger, 0, 2, 64, {},
       "multi-scale kernel: how many times coarser each resolution is than the one before",
       RNTK_MEMBER(model.scale_factor, int)},
      {"learner", "", Group::kModel, Type::kChoice, 0, 0, 1, {"svm", "ridge"},
       "svm: C-SVM (libsvm, one-vs-one); ridge: kernel ridge regression (classification: one-hot "
       "targets, argmax)",
       RNTK_MEMBER(model.learner, Learner)},
      {"C", "", Group::kModel, Type::kReal, 0, 1e-12, 1e12, {}, "SVM cost C",
       RNTK_MEMBER(model.C, double)},
      {"alpha", "", Group::kModel, Type::kReal, 0, 1e-15, 1e12, {},
       "kernel ridge regulariser: solves (K + alpha trace(K)/n I) a = y",
       RNTK_MEMBER(model.alpha, double)},
      {"task", "", Group::kModel, Type::kChoice, 0, 0, 1, {"classification", "regression"},
       "classification (labels are classes) or regression (labels are numbers; ridge only)",
       RNTK_MEMBER(model.task, Task)},
      {"folds", "", Group::kModel, Type::kInteger, 0, 2, 100, {},
       "cross-validation folds for model selection (stratified for classification)",
       RNTK_MEMBER(model.folds, int)},
      {"seed", "", Group::kModel, Type::kInteger, 0, 0, 2147483647, {},
       "seed of the cross-validation fold assignment", RNTK_MEMBER(model.seed, int)},
      {"repeats", "", Group::kModel, Type::kInteger, 0, 1, 100, {},
       "repeated cross-validation: the score of a point is its mean over this many fold "
       "assignments (seeds seed, seed + 1, ...)",
       RNTK_MEMBER(model.repeats, int)},
      {"nystrom", "", Group::kModel, Type::kInteger, 0, 0, 1e7, {},
       "Nystrom kernel machine: learn by ridge regression on the features of this many landmark "
       "training sequences, K(x, Z) K(Z, Z)^(-1/2), instead of on the full Gram matrix, so time and "
       "memory grow as N x nystrom instead of N^2 (needs learner = ridge); 0: the exact kernel machine",
       RNTK_MEMBER(model.nystrom, int)},
      {"landmarks", "", Group::kModel, Type::kChoice, 0, 0, 1, {"uniform", "kmeans++"},
       "Nystrom landmarks: a uniform random sample of the training sequences (seeded by seed), or "
       "k-means++ in the kernel's feature space (batches drawn with probability proportional to "
       "the squared kernel distance to the landmarks chosen so far)",
       RNTK_MEMBER(model.landmarks, LandmarkMethod)},

      {"threads", "", Group::kEngine, Type::kInteger, 0, 0, 1024, {},
       "worker threads; 0 uses every hardware thread. Never changes the result",
       RNTK_MEMBER(engine.threads, int)},
      {"tile_size", "", Group::kEngine, Type::kInteger, 0, 0, 4096, {},
       "rows and columns of the Gram matrix per tile (the unit of work); 0 takes 128 where that "
       "leaves every thread 8 tiles, else 64. Never changes the result",
       RNTK_MEMBER(engine.tile_size, int)},
      {"simd", "", Group::kEngine, Type::kChoice, 0, 0, 3, {"auto", "avx512", "avx2", "portable"},
       "vector instructions of the tile walk; auto takes the widest the processor has. Changes "
       "only the last bits of a result",
       RNTK_MEMBER(engine.simd, Simd)},
      {"precision", "", Group::kEngine, Type::kChoice, 0, 0, 1, {"double", "float"},
       "arithmetic of the tile walk; float ReLU is about 1.6-1.7 times as fast as double, float erf about "
       "1.3 times, and on z-normalised series of up to 2,000 steps float ReLU kernels are within 2e-5 of "
       "double, erf within 1e-5 of the pair's scale (docs/PERFORMANCE.md)",
       RNTK_MEMBER(engine.precision, Precision)},
  };
  for (ParamSpec& s : specs) s.default_value = s.get(Settings{});
  return specs;
}

#undef RNTK_MEMBER

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
  if (type == Type::kBool) return "true|false";
  if (type == Type::kChoice) {
    std::string r;
    for (const std::string& c : choices) r += (r.empty() ? "" : "|") + c;
    return r;
  }
  // Values are always finite (check): a range open to infinity (gamma, coef0) says so, not "inf".
  if (std::isinf(max_value)) return "finite values >= " + shortest_text(min_value);
  return "[" + shortest_text(min_value) + ", " + shortest_text(max_value) + "]";
}

std::string ParamSpec::format(double value) const {
  if (type == Type::kBool) return value != 0.0 ? "true" : "false";
  if (type == Type::kChoice) return choices.at(static_cast<std::size_t>(value));
  return shortest_text(value);
}

void ParamSpec::check(double value) const {
  const bool whole = std::isfinite(value) && value == std::floor(value);
  // Finite always, also where the range is open to infinity (gamma, coef0): "inf" reads as a
  // number but makes the kernel inf or NaN.
  if (std::isfinite(value) && value >= min_value && value <= max_value && (type == Type::kReal || whole)) return;
  if (!std::isfinite(value) && type == Type::kReal) {
    throw parameter_error("parameter " + name + " = " + shortest_text(value) +
                          " is not a finite number: allowed " + range_text());
  }
  if (type == Type::kChoice || type == Type::kBool) {
    throw parameter_error("parameter " + name + " = " + shortest_text(value) +
                          " is not allowed: choose one of " + range_text());
  }
  throw parameter_error("parameter " + name + " = " + shortest_text(value) +
                        " is out of range: allowed " + (type == Type::kInteger ? "integers in " : "") +
                        range_text());
}

double ParamSpec::parse(std::string_view text) const {
  if (type == Type::kBool) {
    if (text == "true" || text == "on" || text == "yes" || text == "1") return 1.0;
    if (text == "false" || text == "off" || text == "no" || text == "0") return 0.0;
    throw parameter_error("parameter " + name + " = '" + std::string(text) +
                          "' is not allowed: choose true or false");
  }
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
  if (settings.kernel.frozen_layers > settings.kernel.layers) {
    throw parameter_error("parameter frozen_layers = " + std::to_string(settings.kernel.frozen_layers) +
                          " is out of range: allowed integers in [0, layers = " +
                          std::to_string(settings.kernel.layers) + "]");
  }
  if (settings.model.nystrom > 0 && settings.model.learner != Learner::kRidge) {
    throw parameter_error("nystrom = " + std::to_string(settings.model.nystrom) +
                          " learns by ridge regression on the Nystrom features: give learner = ridge "
                          "(or nystrom = 0 for the SVM on the exact Gram matrix)");
  }
}

void validate(const KernelParams& params) {
  Settings settings;
  settings.kernel = params;
  validate(settings);
}

const char* activation_name(Activation a) {
  return param_spec("activation").choices.at(static_cast<std::size_t>(a)).c_str();
}

const char* kernel_name(KernelType k) {
  return param_spec("kernel").choices.at(static_cast<std::size_t>(k)).c_str();
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
