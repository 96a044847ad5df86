#pragma once

#include <charconv>
#include <string>

namespace rntk {

// The shortest text that reads back as the same double (0.1, not 0.10000000000000001).
inline std::string shortest_text(double v) {
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  return std::string(buffer, end);
}

}  // namespace rntk
