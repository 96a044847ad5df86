// libFuzzer harness: the UCR .tsv reader, without and with interpolation of missing values.
#include <cstdint>

#include "check.hpp"
#include "delimited_oracle.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rntk;
  const std::string text = fuzz::as_text(data, size);
  for (const bool interpolate : {false, true}) {
    try {
      const Dataset d = parse_sequences(text, "input.tsv", {SequenceFormat::kAuto, false, interpolate});
      fuzz::expect_valid(d);
      fuzz::expect(d.labels.size() == d.sequences.size(), "a label for every series");
      if (!interpolate) fuzz::check_delimited(text, d, true);
    } catch (const Error& e) {
      fuzz::expect_named_error(e, "input.tsv");
    }
  }
  return 0;
}
