#include <algorithm>
#include <bit>
#include <cstdint>
#include <map>

#include "rntk/error.hpp"
#include "rntk/io.hpp"
#include "rntk/stop.hpp"
#include "shortest.hpp"
#include "text_reader.hpp"

namespace rntk {
namespace {

// NumPy .npy format version 1.0: magic, version, little-endian header length, a Python dict
// literal padded with spaces to a multiple of 64 bytes and ended by '\n', then the raw data.
void write_npy(std::ostream& out, const Matrix& k) {
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (" +
                       std::to_string(k.rows()) + ", " + std::to_string(k.cols()) + "), }";
  const std::size_t preamble = 10;  // magic (6) + version (2) + header length (2)
  header.append(63 - (preamble + header.size()) % 64, ' ');
  header += '\n';
  const auto len = static_cast<std::uint16_t>(header.size());
  out.write("\x93NUMPY\x01\x00", 8);
  const char len_bytes[2] = {static_cast<char>(len & 0xff), static_cast<char>(len >> 8)};
  out.write(len_bytes, 2);
  out << header;
  static_assert(std::endian::native == std::endian::little, ".npy writer assumes little-endian");
  for (std::size_t i = 0; i < k.rows(); ++i) {
    throw_if_stop_requested();  // a large matrix takes seconds to write
    out.write(reinterpret_cast<const char*>(k.data() + i * k.cols()),
              static_cast<std::streamsize>(k.cols() * sizeof(double)));
  }
}

void write_tsv(std::ostream& out, const Matrix& k) {
  for (std::size_t i = 0; i < k.rows(); ++i) {
    throw_if_stop_requested();
    for (std::size_t j = 0; j < k.cols(); ++j) out << (j ? "\t" : "") << shortest_text(k(i, j));
    out << '\n';
  }
}

void write_libsvm(std::ostream& out, const Matrix& k, const std::vector<std::string>& labels) {
  const std::vector<std::string> written = libsvm_labels(labels, k.rows());
  for (std::size_t i = 0; i < k.rows(); ++i) {
    throw_if_stop_requested();
    out << written[i] << " 0:" << (i + 1);
    for (std::size_t j = 0; j < k.cols(); ++j) out << ' ' << (j + 1) << ':' << shortest_text(k(i, j));
    out << '\n';
  }
}

}  // namespace

std::vector<std::string> libsvm_labels(const std::vector<std::string>& labels, std::size_t rows) {
  if (labels.empty()) return std::vector<std::string>(rows, "0");
  bool numeric = true;
  for (const std::string& l : labels) {
    double v = 0.0;
    numeric = numeric && text::parse_value(l, v) == text::Value::kNumber;
  }
  if (numeric) return labels;
  std::map<std::string, int> index;
  for (const std::string& l : labels) index.emplace(l, 0);
  int next = 0;
  for (auto& [name, i] : index) i = ++next;
  std::vector<std::string> out;
  for (const std::string& l : labels) out.push_back(std::to_string(index[l]));
  return out;
}

void write_matrix(std::ostream& out, const Matrix& k, MatrixFormat format,
                  const std::vector<std::string>& labels) {
  switch (format) {
    case MatrixFormat::kNpy:
      write_npy(out, k);
      break;
    case MatrixFormat::kTsv:
      write_tsv(out, k);
      break;
    case MatrixFormat::kLibsvm:
      write_libsvm(out, k, labels);
      break;
    case MatrixFormat::kAuto:
      throw parameter_error("write_matrix: the format must be resolved before writing");
  }
}

}  // namespace rntk
