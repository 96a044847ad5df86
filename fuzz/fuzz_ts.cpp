// libFuzzer harness: the sktime/UEA .ts reader, without and with interpolation of missing values.
#include <cstdint>

#include "check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rntk;
  const std::string text = fuzz::as_text(data, size);
  for (const bool interpolate : {false, true}) {
    try {
      fuzz::expect_valid(parse_sequences(text, "input.ts", {SequenceFormat::kAuto, false, interpolate}));
    } catch (const Error& e) {
      fuzz::expect_named_error(e, "input.ts");
    }
  }
  return 0;
}
