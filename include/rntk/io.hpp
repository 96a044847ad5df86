// Reading sequence files and writing Gram matrices.
//
// Readers (chosen by extension, or explicitly):
//   .tsv  UCR archive: one series per line, class label first, values separated by tabs (or commas);
//         variable-length series are padded at the end with NaN, which is trimmed.
//   .ts   sktime/UEA: '@' header lines, then one case per line, channels separated by ':', values by
//         ',', label last; '?' or NaN at the end of a channel is padding. Every channel of a case
//         must have the same length; every case the same number of channels.
//   .csv  one series per line, values separated by commas (or tabs), no label unless
//         ReadOptions::label_first; trailing empty or NaN fields are padding.
// A malformed file raises rntk::Error naming the file, line and column and what was expected.
//
// Writers (chosen by extension, or explicitly): .npy (NumPy, float64, C order), .tsv (one row per
// line, tab-separated, 17 significant digits), and libsvm's precomputed-kernel format
// ("label 0:i 1:K(i,1) 2:K(i,2) ..."; i counts rows from 1). Output goes to a temporary file in the
// target's folder that is renamed to the target only once complete.
#pragma once

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "rntk/matrix.hpp"
#include "rntk/sequences.hpp"

namespace rntk {

enum class SequenceFormat { kAuto, kUcrTsv, kTs, kCsv };
enum class MatrixFormat { kAuto, kNpy, kTsv, kLibsvm };

struct Dataset {
  SequenceSet sequences;
  std::vector<std::string> labels;  // one per sequence, empty when the file has none
  std::string source;               // the file it came from
};

struct ReadOptions {
  SequenceFormat format = SequenceFormat::kAuto;
  bool label_first = false;          // CSV only: the first field of each line is a label
  bool interpolate_missing = false;  // fill missing values inside a series linearly (else: error)
};

Dataset read_sequences(const std::string& path, const ReadOptions& options = {});
// The same from text already in memory; `name` stands for the file (and its extension) in messages.
Dataset parse_sequences(const std::string& text, const std::string& name,
                        const ReadOptions& options = {});

SequenceFormat sequence_format_from_path(const std::string& path);
MatrixFormat matrix_format_from_path(const std::string& path);

// A file written under a temporary name in the target's folder and renamed to the target by
// commit(). Opening fails at once (naming the path) if the folder is not writable, so a long
// computation is not wasted. Destroying it uncommitted removes the temporary file.
class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  std::ostream& stream() { return out_; }
  const std::string& path() const { return path_; }
  void commit();

 private:
  std::string path_;
  std::string temp_path_;
  std::ofstream out_;
  bool committed_ = false;
};

// Writes a matrix in a format (kAuto is not allowed here). `labels` are used by kLibsvm only: one
// per row, numeric labels written as they are, others as their 1-based index among the sorted
// distinct labels, 0 when there are none.
void write_matrix(std::ostream& out, const Matrix& k, MatrixFormat format,
                  const std::vector<std::string>& labels = {});

// The libsvm label written for each row (see write_matrix).
std::vector<std::string> libsvm_labels(const std::vector<std::string>& labels, std::size_t rows);

}  // namespace rntk
