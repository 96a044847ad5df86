#include "text_reader.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

namespace rntk::text {

std::vector<Field> split(std::string_view line, std::string_view separators,
                         std::size_t first_column) {
  std::vector<Field> fields;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = line.find_first_of(separators, start);
    std::size_t b = start;
    std::size_t e = end == std::string_view::npos ? line.size() : end;
    while (b < e && (line[b] == ' ' || line[b] == '\r')) ++b;
    while (e > b && (line[e - 1] == ' ' || line[e - 1] == '\r')) --e;
    fields.push_back({line.substr(b, e - b), first_column + b});
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return fields;
}

Value parse_value(std::string_view t, double& out) {
  if (t.empty() || t == "?") return Value::kMissing;
  if (t.size() == 3 && std::tolower(t[0]) == 'n' && std::tolower(t[1]) == 'a' &&
      std::tolower(t[2]) == 'n') {
    return Value::kMissing;
  }
  const char* begin = t.data();
  // from_chars does not take a leading '+'; skip one, but not before a '-' ("+-1" is no number).
  if (*begin == '+' && t.size() > 1 && t[1] != '-') ++begin;
  const char* end = t.data() + t.size();
  auto [ptr, ec] = std::from_chars(begin, end, out);
  if (ec == std::errc::result_out_of_range && ptr == end) {
    // Too large (overflow) or too small (underflow to a subnormal or zero): strtod tells which.
    out = std::strtod(std::string(t).c_str(), nullptr);
    return std::isinf(out) ? Value::kInfinite : Value::kNumber;
  }
  if (ec != std::errc() || ptr != end) return Value::kMalformed;
  if (std::isnan(out)) return Value::kMalformed;
  if (std::isinf(out)) return Value::kInfinite;
  return Value::kNumber;
}

std::string location(const std::string& name, std::size_t line, std::size_t column) {
  std::string s = name + ":" + std::to_string(line);
  if (column) s += ":" + std::to_string(column);
  return s + ": ";
}

std::string bad_value_message(const std::string& name, std::size_t line, const Field& field,
                              const std::string& where, Value kind) {
  return location(name, line, field.column) + "expected a " +
         (kind == Value::kInfinite ? "finite " : "") + "number or NaN in " + where + ", found '" +
         std::string(field.text) + "'";
}

std::vector<std::string_view> lines(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool blank(std::string_view line) {
  for (char c : line) {
    if (!std::isspace(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace rntk::text
