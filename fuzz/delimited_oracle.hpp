// An independent reading of a delimited file (UCR .tsv, CSV) to check what rntk accepted: every
// value rntk read must be a field that strtod reads completely to the same double, every field
// after a series' last value must be padding, and the labels must be the first fields. This catches
// a reader that silently accepts garbage, which no sanitizer would report.
#pragma once

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "check.hpp"
#include "rntk/io.hpp"

namespace rntk::fuzz {

inline std::string_view trimmed(std::string_view f) {
  while (!f.empty() && (f.front() == ' ' || f.front() == '\r')) f.remove_prefix(1);
  while (!f.empty() && (f.back() == ' ' || f.back() == '\r')) f.remove_suffix(1);
  return f;
}

inline bool padding(std::string_view f) {
  return f.empty() || f == "?" ||
         (f.size() == 3 && std::tolower(f[0]) == 'n' && std::tolower(f[1]) == 'a' && std::tolower(f[2]) == 'n');
}

// The same double, or both zero: -0 and 0 are the same value.
inline bool same_value(std::string_view field, double value) {
  const std::string text(field);
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  return !text.empty() && end == text.c_str() + text.size() &&
         (std::memcmp(&v, &value, sizeof v) == 0 || (v == 0 && value == 0));
}

// Checks a dataset parsed without interpolation from `text`.
inline void check_delimited(const std::string& text, const Dataset& d, bool label_first) {
  std::size_t seq = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string_view line(text.data() + start, end - start);
    start = end + 1;
    bool blank = true;
    for (char c : line) blank = blank && std::isspace(static_cast<unsigned char>(c));
    if (blank) continue;
    std::vector<std::string_view> fields;
    for (std::size_t b = 0;;) {
      const std::size_t e = line.find_first_of("\t,", b);
      fields.push_back(trimmed(line.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b)));
      if (e == std::string_view::npos) break;
      b = e + 1;
    }
    expect(seq < d.sequences.size(), "a series for every non-blank line");
    const std::size_t first = label_first ? 1 : 0;
    if (label_first) expect(d.labels.at(seq) == fields[0], "the label is the first field", d.labels[seq]);
    const SequenceView s = d.sequences[seq];
    expect(d.sequences.dim() == 1 && s.length() >= 1 && s.length() <= fields.size() - first,
           "one value per field");
    for (std::size_t f = first; f < fields.size(); ++f) {
      const std::size_t t = f - first;
      if (t < s.length()) {
        expect(same_value(fields[f], s.data()[t]), "a value strtod reads the same", std::string(fields[f]));
      } else {
        expect(padding(fields[f]), "only padding after the last value", std::string(fields[f]));
      }
    }
    ++seq;
  }
  expect(seq == d.sequences.size(), "no series without a line");
  expect(d.labels.size() == (label_first ? seq : 0), "one label per series");
}

}  // namespace rntk::fuzz
