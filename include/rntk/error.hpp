// Errors carry their context (file, line, column; parameter and allowed range) in the message, so the
// CLI prints them as they are and the Python module maps them to the matching exception type.
#pragma once

#include <stdexcept>
#include <string>

namespace rntk {

class Error : public std::runtime_error {
 public:
  enum class Kind {
    kInput,      // malformed or unusable data (a file, an array)
    kParameter,  // a parameter outside its allowed range, an unknown name
    kIo,         // a file that cannot be opened, read or written
    kNumeric,    // a value that overflowed or became NaN
    kInterrupted,  // stopped on request (Ctrl-C); see stop.hpp
  };
  Error(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

inline Error input_error(const std::string& m) { return Error(Error::Kind::kInput, m); }
inline Error parameter_error(const std::string& m) { return Error(Error::Kind::kParameter, m); }
inline Error io_error(const std::string& m) { return Error(Error::Kind::kIo, m); }
inline Error numeric_error(const std::string& m) { return Error(Error::Kind::kNumeric, m); }

}  // namespace rntk
