// rntk gram: the Gram matrix K(X, X) or K(X, Y) of the NTK, the NNGP or both, written to files.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <optional>

#include "commands.hpp"
#include "options.hpp"
#include "rntk/error.hpp"
#include "rntk/gram.hpp"
#include "rntk/io.hpp"

namespace rntk::cli {
namespace {

struct GramCommand {
  std::string rows_path;
  std::string cols_path;
  std::string out_path;
  std::string kernel = "ntk";
  std::string format = "auto";
  InputOptions input;
  bool quiet = false;
  ParamOptions params;

  void run() const;
};

// "K.npy" -> "K.ntk.npy": the file of one of several outputs.
std::string with_suffix(const std::string& path, const std::string& suffix) {
  const std::size_t slash = path.find_last_of('/');
  const std::size_t dot = path.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return path + "." + suffix;
  return path.substr(0, dot) + "." + suffix + path.substr(dot);
}

// --layers takes one depth or a list (1,2,3): every listed depth comes from the walk of the deepest.
std::vector<int> requested_depths(const ParamOptions& params) {
  std::vector<int> depths;
  for (const auto& [name, text] : params.given()) {
    if (name != "layers") continue;
    for (const std::string& item : split_list(text)) {
      depths.push_back(static_cast<int>(param_spec("layers").parse(item)));
    }
  }
  return depths;
}

struct Output {
  bool ntk;
  int depth;
  std::unique_ptr<AtomicFile> file;  // null: standard output
};

void GramCommand::run() const {
  Settings settings = params.settings({"layers"});
  std::vector<int> depths = requested_depths(params);
  if (depths.empty()) depths.push_back(settings.kernel.layers);
  settings.kernel.layers = *std::max_element(depths.begin(), depths.end());
  const bool want_ntk = kernel != "nngp";
  const bool want_nngp = kernel != "ntk";

  // Where each kernel goes. Output files are opened (as temporaries) before any work, so that an
  // unwritable path fails at once; they replace their targets only when complete.
  MatrixFormat fmt = format == "npy" ? MatrixFormat::kNpy
                     : format == "tsv" ? MatrixFormat::kTsv
                     : format == "libsvm" ? MatrixFormat::kLibsvm
                                          : MatrixFormat::kAuto;
  std::vector<Output> outputs;
  for (const bool ntk : {true, false}) {
    if (ntk ? !want_ntk : !want_nngp) continue;
    for (const int depth : depths) outputs.push_back({ntk, depth, nullptr});
  }
  if (out_path.empty()) {
    if (outputs.size() > 1) throw parameter_error("several matrices (--kernel both or several --layers) need --out");
    if (fmt == MatrixFormat::kAuto) fmt = MatrixFormat::kTsv;
    if (fmt == MatrixFormat::kNpy) throw parameter_error("--format npy needs --out");
  } else {
    if (fmt == MatrixFormat::kAuto) fmt = matrix_format_from_path(out_path);
    for (Output& o : outputs) {
      std::string path = out_path;
      if (want_ntk && want_nngp) path = with_suffix(path, o.ntk ? "ntk" : "nngp");
      if (depths.size() > 1) path = with_suffix(path, "L" + std::to_string(o.depth));
      o.file = std::make_unique<AtomicFile>(path);
    }
  }

  const Dataset rows = input.read(rows_path);
  std::optional<Dataset> cols;
  if (!cols_path.empty()) cols = input.read(cols_path);

  const auto start = std::chrono::steady_clock::now();
  const KernelSelection selection{want_ntk, want_nngp, depths.size() > 1};
  const GramResult k = cols ? gram(rows.sequences.view(), cols->sequences.view(), settings, selection)
                            : gram(rows.sequences.view(), settings, selection);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  for (Output& o : outputs) {
    const bool deepest = o.depth == settings.kernel.layers;
    const std::size_t d = static_cast<std::size_t>(o.depth) - 1;
    const Matrix& m = o.ntk ? (deepest ? k.ntk : k.ntk_shallower[d]) : (deepest ? k.nngp : k.nngp_shallower[d]);
    if (!o.file) {
      write_matrix(std::cout, m, fmt, rows.labels);
      continue;
    }
    write_matrix(o.file->stream(), m, fmt, rows.labels);
    o.file->commit();
    if (!quiet) std::cerr << "rntk: wrote " << o.file->path() << "\n";
  }
  if (!quiet) {
    const std::size_t n_cols = cols ? cols->sequences.size() : rows.sequences.size();
    std::cerr << "rntk: K(" << rows_path << (cols ? ", " + cols_path : std::string()) << "): "
              << rows.sequences.size() << " x " << n_cols << ", dimension " << rows.sequences.dim()
              << ", " << settings.kernel.layers << " layer(s), " << activation_name(settings.kernel.activation)
              << ", " << seconds << " s\n";
  }
}

}  // namespace

void add_gram_command(CLI::App& app, int& status) {
  auto command = std::make_shared<GramCommand>();
  CLI::App* sub = app.add_subcommand(
      "gram",
      "Compute the Gram matrix K(X, X), or K(X, Y) with a second file, of the last-state RNTK "
      "(ntk), the NNGP (nngp) or both. Sequences may differ in length; they are aligned at their "
      "last step. Inputs: UCR .tsv (label first, trailing NaN padding), sktime/UEA .ts "
      "(multivariate), or .csv (one series per line).");
  sub->add_option("X", command->rows_path, "sequences of the rows")->required()->type_name("FILE");
  sub->add_option("Y", command->cols_path, "sequences of the columns (default: X)")->type_name("FILE");
  sub->add_option("-o,--out", command->out_path,
                  "output file; its extension picks the format unless --format is given. With "
                  "--kernel both, K.npy becomes K.ntk.npy and K.nngp.npy; with several depths "
                  "(--layers 1,2,3) K.L1.npy, K.L2.npy, ... Default: TSV on stdout")
      ->type_name("FILE");
  sub->add_option("-k,--kernel", command->kernel, "which kernel to write (default ntk)")
      ->check(CLI::IsMember({"ntk", "nngp", "both"}));
  sub->add_option("--format", command->format,
                  "output format: npy (NumPy), tsv, libsvm (precomputed kernel: label 0:i 1:K(i,1) "
                  "...; rows are X, labels from X) (default: from the extension)")
      ->check(CLI::IsMember({"auto", "npy", "tsv", "libsvm"}));
  command->input.add_to(*sub);
  sub->add_flag("-q,--quiet", command->quiet, "no summary on stderr");
  command->params.add_to(*sub, {ParamSpec::Group::kKernel, ParamSpec::Group::kEngine});
  sub->callback([command, &status] { status = run_reporting_errors([&] { command->run(); }); });
}

}  // namespace rntk::cli
