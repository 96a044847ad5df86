// Shared pieces of the text readers: fields with their column, value parsing, locations.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace rntk::text {

struct Field {
  std::string_view text;  // trimmed of spaces and '\r'
  std::size_t column;     // 1-based column of the field's first character in the line
};

// Splits a line (or part of a line starting at `first_column`) at any of `separators`.
std::vector<Field> split(std::string_view line, std::string_view separators,
                         std::size_t first_column = 1);

enum class Value { kNumber, kMissing, kMalformed, kInfinite };
// Parses a finite number; "NaN" (any case), "?" and an empty field are kMissing.
Value parse_value(std::string_view text, double& out);

// "file:line:column: " (column omitted when 0).
std::string location(const std::string& name, std::size_t line, std::size_t column = 0);

// The message for a field that is not a number; `where` names it ("field 3").
std::string bad_value_message(const std::string& name, std::size_t line, const Field& field,
                              const std::string& where, Value kind);

// Lines of a text without their '\n'; blank lines are kept so that line numbers stay right.
std::vector<std::string_view> lines(std::string_view text);
bool blank(std::string_view line);

}  // namespace rntk::text
