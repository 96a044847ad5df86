// libFuzzer harness: the CSV reader, with and without a label column, without and with
// interpolation of missing values.
#include <cstdint>

#include "check.hpp"
#include "delimited_oracle.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rntk;
  const std::string text = fuzz::as_text(data, size);
  for (const bool labels : {false, true}) {
    for (const bool interpolate : {false, true}) {
      try {
        const Dataset d = parse_sequences(text, "input.csv", {SequenceFormat::kAuto, labels, interpolate});
        fuzz::expect_valid(d);
        if (!interpolate) fuzz::check_delimited(text, d, labels);
      } catch (const Error& e) {
        fuzz::expect_named_error(e, "input.csv");
      }
    }
  }
  return 0;
}
