// What the harnesses check besides crashes, leaks, hangs and undefined behaviour (the sanitizers and
// libFuzzer catch those): a broken expectation aborts, so libFuzzer saves the input as a crash.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <string_view>

#include "rntk/error.hpp"
#include "rntk/io.hpp"

namespace rntk::fuzz {

inline void expect(bool ok, const char* what, const std::string& detail = {}) {
  if (ok) return;
  std::fprintf(stderr, "fuzz expectation failed: %s\n%s\n", what, detail.c_str());
  std::abort();
}

// Bad input must raise rntk::Error of one of `kinds` whose message starts with the source's name
// ("name:line:column: ..." or "name: ..."), never another exception (those escape the harness and
// abort it).
inline void expect_named_error(const Error& e, const std::string& name,
                               std::initializer_list<Error::Kind> kinds = {Error::Kind::kInput}) {
  bool kind_ok = false;
  for (Error::Kind k : kinds) kind_ok = kind_ok || e.kind() == k;
  expect(kind_ok, "an error of the expected kind", e.what());
  expect(std::string_view(e.what()).starts_with(name + ":"), "an error naming the source", e.what());
}

// What every reader promises of a dataset it returns: the sequence convention (finite values, no
// empty series) and one label per series when there are labels.
inline void expect_valid(const Dataset& d) {
  try {
    d.sequences.view().validate("parsed data");
  } catch (const Error& e) {
    expect(false, "a valid sequence set", e.what());
  }
  expect(d.sequences.size() >= 1, "at least one series");
  expect(d.labels.empty() || d.labels.size() == d.sequences.size(), "one label per series");
}

inline std::string as_text(const unsigned char* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

}  // namespace rntk::fuzz
