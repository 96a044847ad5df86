// libFuzzer harness: model files (Model::load). A file that loads must also predict: a loader that
// accepts an inconsistent file would otherwise only fail (or crash) later, in predict.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <sstream>

#include "check.hpp"
#include "rntk/model.hpp"

namespace {

using namespace rntk;

// Predicting costs what the file asks for (layers, quadrature order, series lengths); inputs that
// ask for much are loaded but not predicted, so that one execution stays in milliseconds.
bool cheap(const Settings& s, std::size_t support_values, std::size_t flat_length) {
  const Activation a = s.kernel.activation;
  const bool closed_form = a == Activation::kRelu || a == Activation::kErf ||
                           a == Activation::kIdentity || a == Activation::kLeakyRelu;
  return s.kernel.layers <= 3 && (closed_form || s.kernel.quadrature <= 12) && s.model.scales <= 3 &&
         s.engine.threads <= 2 && support_values <= 256 && flat_length <= 256;
}

// Three series of lengths 1, 2 and the model's flattened length (what baselines without padding accept).
SequenceSet inputs(std::size_t dim, std::size_t flat_length) {
  SequenceSet x(dim);
  for (const std::size_t length : {std::size_t{1}, std::size_t{2}, std::max<std::size_t>(flat_length, 1)}) {
    std::vector<double> values(length * dim);
    for (std::size_t k = 0; k < values.size(); ++k) values[k] = std::sin(1.0 + static_cast<double>(k + length));
    x.append(values);
  }
  return x;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text = fuzz::as_text(data, size);
  Model model;
  try {
    std::istringstream in(text);
    model = Model::load(in, "model.json");
  } catch (const Error& e) {
    fuzz::expect_named_error(e, "model.json", {Error::Kind::kInput, Error::Kind::kParameter});
    return 0;
  }
  // It loaded, so it is valid JSON with these fields.
  const nlohmann::json j = nlohmann::json::parse(text);
  const std::size_t dim = j["support"]["dim"].get<std::size_t>();
  const std::size_t flat_length = j["flat_length"].get<std::size_t>();
  if (!cheap(model.settings(), j["support"]["values"].size(), flat_length) || dim > 8) return 0;
  const SequenceSet x = inputs(dim, flat_length);
  try {
    const Prediction p = model.predict(x.view());
    fuzz::expect(p.labels.size() == x.size(), "a prediction per series");
    const std::vector<std::string>& classes = model.classes();
    for (const std::string& label : p.labels) {
      fuzz::expect(p.values.size() == x.size() || std::find(classes.begin(), classes.end(), label) != classes.end(),
                   "a predicted class is one of the model's classes", label);
    }
    for (double v : p.values) fuzz::expect(std::isfinite(v), "a finite regression prediction");
  } catch (const Error& e) {
    // Settings this machine cannot run (simd = avx512 without AVX-512, activation = custom without
    // its function) or series the kernel refuses; never an internal failure.
    fuzz::expect(e.kind() == Error::Kind::kParameter || e.kind() == Error::Kind::kInput ||
                     e.kind() == Error::Kind::kNumeric,
                 "a parameter, input or numeric error", e.what());
  }
  return 0;
}
