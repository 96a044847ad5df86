#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <sstream>

#include "rntk/error.hpp"
#include "rntk/io.hpp"
#include "rntk/stop.hpp"
#include "text_reader.hpp"

namespace rntk {
namespace {

using text::Field;
using text::Value;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         std::equal(suffix.rbegin(), suffix.rend(), s.rbegin(),
                    [](char a, char b) { return std::tolower(a) == std::tolower(b); });
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The values of one series (or one channel) from its fields: trailing missing values are padding
// and are dropped. A missing value followed by a number is an error, unless `interpolate`: then it
// is filled linearly between its neighbours (leading ones take the first value). Messages call
// field f `unit + (f + 1)`: "field 3" in a .tsv line, "channel 2, value 3" in a .ts case.
std::vector<double> series_values(const std::vector<Field>& fields, std::size_t first,
                                  const std::string& name, std::size_t line,
                                  const std::string& unit, bool interpolate) {
  std::vector<double> values;
  std::size_t first_missing = 0;  // index + 1 of the first missing field of the current gap
  for (std::size_t f = first; f < fields.size(); ++f) {
    double v = 0.0;
    const Value kind = text::parse_value(fields[f].text, v);
    if (kind == Value::kMissing) {
      if (!first_missing) first_missing = f + 1;
      continue;
    }
    if (kind != Value::kNumber) {
      throw input_error(text::bad_value_message(name, line, fields[f], unit + std::to_string(f + 1), kind));
    }
    if (first_missing && !interpolate) {
      const Field& gap = fields[first_missing - 1];
      throw input_error(text::location(name, line, gap.column) + "missing value (" +
                        (gap.text.empty() ? std::string("empty field") : std::string(gap.text)) +
                        ") inside the series in " + unit + std::to_string(first_missing) +
                        ", followed by a number in " + unit + std::to_string(f + 1) +
                        "; only trailing NaN padding may mark a shorter series (interpolate "
                        "missing values, e.g. with --missing interpolate, or cut the series)");
    }
    if (first_missing) {
      // Fill the gap of (f + 1 - first_missing) values between values.back() and v.
      const std::size_t gap = f + 1 - first_missing;
      // In long double: (v - left) * k overflows a double for values near its limit (1e308),
      // while each filled value lies between left and v, so it is a finite double.
      const long double left = values.empty() ? v : values.back();
      for (std::size_t k = 1; k <= gap; ++k) {
        values.push_back(static_cast<double>(left + (v - left) * static_cast<long double>(k) /
                                                        static_cast<long double>(gap + 1)));
      }
      first_missing = 0;
    }
    values.push_back(v);
  }
  return values;
}

void fail_if_empty(const Dataset& d, const std::string& name) {
  if (d.sequences.size() == 0) throw input_error(name + ": no series found (the file is empty)");
}

// UCR .tsv (label_first) and plain CSV.
Dataset parse_delimited(const std::string& content, const std::string& name, bool label_first,
                        bool interpolate) {
  Dataset d;
  d.source = name;
  const std::vector<std::string_view> all = text::lines(content);
  for (std::size_t n = 0; n < all.size(); ++n) {
    throw_if_stop_requested();  // a large file takes seconds to parse
    if (text::blank(all[n])) continue;
    const std::size_t line = n + 1;
    const std::vector<Field> fields = text::split(all[n], "\t,");
    if (label_first) {
      if (fields[0].text.empty()) {
        throw input_error(text::location(name, line, fields[0].column) +
                          "expected a class label in field 1, found an empty field");
      }
      d.labels.emplace_back(fields[0].text);
    }
    const std::vector<double> values = series_values(fields, label_first ? 1 : 0, name, line, "field ", interpolate);
    if (values.empty()) {
      throw input_error(text::location(name, line) + "the series is empty (" +
                        (label_first ? "a label and no values" : "no values") + ")");
    }
    d.sequences.append(values);
  }
  fail_if_empty(d, name);
  return d;
}

// sktime / UEA .ts.
Dataset parse_ts(const std::string& content, const std::string& name, bool interpolate) {
  Dataset d;
  d.source = name;
  bool in_data = false;
  bool has_label = false;
  std::size_t declared_dims = 0;
  std::size_t first_case_line = 0;
  std::vector<double> steps;  // step-major values of one case
  const std::vector<std::string_view> all = text::lines(content);
  for (std::size_t n = 0; n < all.size(); ++n) {
    throw_if_stop_requested();  // a large file takes seconds to parse
    const std::size_t line = n + 1;
    const std::string_view raw = all[n];
    if (text::blank(raw)) continue;
    const std::size_t lead = raw.find_first_not_of(" \t");
    if (raw[lead] == '#') continue;
    if (!in_data) {
      if (raw[lead] != '@') {
        throw input_error(text::location(name, line, lead + 1) +
                          "expected a header line starting with '@' (or @data) before the data");
      }
      const std::vector<Field> words = text::split(raw.substr(lead), " \t", lead + 1);
      const std::string key = lower(words[0].text);
      const std::string value = words.size() > 1 ? lower(words[1].text) : "";
      if (key == "@data") {
        in_data = true;
      } else if (key == "@timestamps" && value == "true") {
        throw input_error(text::location(name, line, words[0].column) +
                          "time-stamped .ts data ((t, v) pairs) is not supported; export the "
                          "series without time stamps");
      } else if (key == "@classlabel" || key == "@targetlabel") {
        has_label = has_label || value == "true";
      } else if (key == "@dimensions" && !value.empty()) {
        double dims = 0.0;
        // Range first: converting a double beyond size_t (1e308) to size_t is undefined.
        if (text::parse_value(value, dims) != Value::kNumber || !(dims >= 1 && dims <= 1e9) ||
            dims != std::floor(dims)) {
          throw input_error(text::location(name, line, words[1].column) +
                            "expected a positive whole number of dimensions, found '" + value + "'");
        }
        declared_dims = static_cast<std::size_t>(dims);
      }
      continue;
    }
    std::vector<Field> channels = text::split(raw, ":");
    if (has_label) {
      if (channels.size() < 2 || channels.back().text.empty()) {
        throw input_error(text::location(name, line, channels.back().column) +
                          "expected values and a class label after the last ':'");
      }
      d.labels.emplace_back(channels.back().text);
      channels.pop_back();
    }
    const std::size_t dims = channels.size();
    if (d.sequences.size() == 0) {
      if (declared_dims && dims != declared_dims) {
        throw input_error(text::location(name, line) + "this case has " + std::to_string(dims) +
                          " channels but the header declares @dimensions " +
                          std::to_string(declared_dims));
      }
      d.sequences = SequenceSet(dims);
      first_case_line = line;
    } else if (dims != d.sequences.dim()) {
      throw input_error(text::location(name, line) + "this case has " + std::to_string(dims) +
                        " channels but the case on line " + std::to_string(first_case_line) +
                        " has " + std::to_string(d.sequences.dim()) +
                        "; every case must have the same number of channels");
    }
    std::size_t length = 0;
    for (std::size_t c = 0; c < dims; ++c) {
      const std::vector<Field> fields = text::split(channels[c].text, ",", channels[c].column);
      const std::vector<double> values = series_values(fields, 0, name, line, "channel " + std::to_string(c + 1) + ", value ", interpolate);
      if (values.empty()) {
        throw input_error(text::location(name, line, channels[c].column) + "channel " +
                          std::to_string(c + 1) + " of this case is empty");
      }
      if (c == 0) {
        length = values.size();
        steps.assign(length * dims, 0.0);
      } else if (values.size() != length) {
        throw input_error(text::location(name, line, channels[c].column) + "channel " +
                          std::to_string(c + 1) + " has " + std::to_string(values.size()) +
                          " values but channel 1 has " + std::to_string(length) +
                          "; every channel of a case must have the same length");
      }
      for (std::size_t t = 0; t < length; ++t) steps[t * dims + c] = values[t];
    }
    d.sequences.append(steps);
  }
  if (!in_data) throw input_error(name + ": no @data line: not a .ts file");
  fail_if_empty(d, name);
  return d;
}

}  // namespace

SequenceFormat sequence_format_from_path(const std::string& path) {
  if (ends_with(path, ".tsv")) return SequenceFormat::kUcrTsv;
  if (ends_with(path, ".ts")) return SequenceFormat::kTs;
  if (ends_with(path, ".csv") || ends_with(path, ".txt")) return SequenceFormat::kCsv;
  throw input_error(path + ": cannot tell the format from the extension; expected .tsv (UCR), .ts "
                           "(sktime/UEA) or .csv");
}

MatrixFormat matrix_format_from_path(const std::string& path) {
  if (ends_with(path, ".npy")) return MatrixFormat::kNpy;
  if (ends_with(path, ".tsv") || ends_with(path, ".txt")) return MatrixFormat::kTsv;
  if (ends_with(path, ".libsvm") || ends_with(path, ".svm")) return MatrixFormat::kLibsvm;
  throw parameter_error(path + ": cannot tell the output format from the extension; expected .npy, "
                               ".tsv, .txt, .libsvm or .svm (or give --format)");
}

Dataset parse_sequences(const std::string& content, const std::string& name,
                        const ReadOptions& options) {
  const bool fill = options.interpolate_missing;
  switch (options.format == SequenceFormat::kAuto ? sequence_format_from_path(name) : options.format) {
    case SequenceFormat::kUcrTsv:
      return parse_delimited(content, name, true, fill);
    case SequenceFormat::kTs:
      return parse_ts(content, name, fill);
    default:
      return parse_delimited(content, name, options.label_first, fill);
  }
}

Dataset read_sequences(const std::string& path, const ReadOptions& options) {
  if (options.format == SequenceFormat::kAuto) sequence_format_from_path(path);  // fail before I/O
  std::ifstream in(path, std::ios::binary);
  if (!in) throw io_error(path + ": cannot open for reading (missing file or no permission)");
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) throw io_error(path + ": read error");
  return parse_sequences(content.str(), path, options);
}

}  // namespace rntk
