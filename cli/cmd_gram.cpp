// rntk gram: the Gram matrix K(X, X) or K(X, Y) of the NTK, the NNGP or both, written to files.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <optional>

#include "commands.hpp"
#include "options.hpp"
#include "rntk/distributed_gram.hpp"
#include "rntk/error.hpp"
#include "rntk/gram.hpp"
#include "rntk/io.hpp"
#include "rntk/launch.hpp"

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
  bool out_of_core = false;
  std::string memory_budget;
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

// Where each kernel goes: out/K.npy, or K.ntk.npy and K.nngp.npy, and K.L1.npy, ... per depth.
std::vector<GramFile> output_files(const std::string& out_path, bool want_ntk, bool want_nngp,
                                   const std::vector<int>& depths) {
  std::vector<GramFile> files;
  for (const bool ntk : {true, false}) {
    if (ntk ? !want_ntk : !want_nngp) continue;
    for (const int depth : depths) {
      std::string path = out_path;
      if (want_ntk && want_nngp) path = with_suffix(path, ntk ? "ntk" : "nngp");
      if (depths.size() > 1) path = with_suffix(path, "L" + std::to_string(depth));
      files.push_back({ntk, static_cast<std::size_t>(depth), path});
    }
  }
  return files;
}

void GramCommand::run() const {
  Cluster& cluster = launched_cluster();
  Settings settings = params.settings({"layers"});
  std::vector<int> depths = requested_depths(params);
  if (depths.empty()) depths.push_back(settings.kernel.layers);
  settings.kernel.layers = *std::max_element(depths.begin(), depths.end());
  const bool want_ntk = kernel != "nngp";
  const bool want_nngp = kernel != "ntk";
  const KernelSelection selection{want_ntk, want_nngp, depths.size() > 1};

  MatrixFormat fmt = format == "npy" ? MatrixFormat::kNpy
                     : format == "tsv" ? MatrixFormat::kTsv
                     : format == "libsvm" ? MatrixFormat::kLibsvm
                                          : MatrixFormat::kAuto;
  std::vector<GramFile> files = output_files(out_path.empty() ? "-" : out_path, want_ntk, want_nngp, depths);
  if (out_path.empty()) {
    if (files.size() > 1) throw parameter_error("several matrices (--kernel both or several --layers) need --out");
    if (fmt == MatrixFormat::kAuto) fmt = MatrixFormat::kTsv;
    if (fmt == MatrixFormat::kNpy) throw parameter_error("--format npy needs --out");
  } else if (fmt == MatrixFormat::kAuto) {
    fmt = matrix_format_from_path(out_path);
  }

  const Dataset rows = input.read(rows_path);
  std::optional<Dataset> cols;
  if (!cols_path.empty()) {
    cols = input.read(cols_path);
    check_same_dimension(rows, *cols);
  }
  const SequenceSetView x = rows.sequences.view();
  std::optional<SequenceSetView> y;
  if (cols) y = cols->sequences.view();
  const SequenceSetView* yp = y ? &*y : nullptr;

  // Tile by tile into .npy files (no process holds a whole matrix) when asked, when several ranks
  // share the work, or when the matrices would not fit the memory budget.
  const std::size_t whole = gram_memory_bytes(x, yp, settings, selection, true);
  const std::size_t tiled = gram_memory_bytes(x, yp, settings, selection, false);
  const std::size_t budget = memory_budget.empty() ? 0 : parse_bytes(memory_budget, "--memory-budget");
  bool streamed = out_of_core || (cluster.size() > 1 && fmt == MatrixFormat::kNpy) || (budget && whole > budget);
  if (streamed && fmt != MatrixFormat::kNpy) {
    throw parameter_error(std::string(out_of_core ? "--out-of-core" : "the matrices (" + format_bytes(whole) +
                                                                          ") exceed --memory-budget " + memory_budget +
                                                                          " and") +
                          " need an .npy output written tile by tile: give --out FILE.npy");
  }
  if (budget && (streamed ? tiled : whole) > budget) {
    throw parameter_error("--memory-budget " + memory_budget + " is too small: this computation needs about " +
                          format_bytes(streamed ? tiled : whole) +
                          " (inputs, per-step statistics and per-thread tiles); raise the budget, or lower "
                          "--threads or --tile-size");
  }

  const auto start = std::chrono::steady_clock::now();
  if (streamed) {
    write_gram_files(x, yp, settings, files, cluster);
  } else {
    // Output files are opened (as temporaries) before any work, so that an unwritable path fails
    // at once; they replace their targets only when complete.
    std::vector<std::unique_ptr<AtomicFile>> outputs;
    if (cluster.leader() && !out_path.empty()) {
      for (const GramFile& f : files) outputs.push_back(std::make_unique<AtomicFile>(f.path));
    }
    const GramResult k = cluster.size() > 1 ? gather_gram(x, yp, settings, selection, cluster)
                         : yp               ? gram(x, *yp, settings, selection)
                                            : gram(x, settings, selection);
    if (cluster.leader()) {
      for (std::size_t n = 0; n < files.size(); ++n) {
        const bool deepest = files[n].depth == static_cast<std::size_t>(settings.kernel.layers);
        const std::size_t d = files[n].depth - 1;
        const Matrix& m = files[n].ntk ? (deepest ? k.ntk : k.ntk_shallower[d]) : (deepest ? k.nngp : k.nngp_shallower[d]);
        if (outputs.empty()) {
          write_matrix(std::cout, m, fmt, rows.labels);
          continue;
        }
        write_matrix(outputs[n]->stream(), m, fmt, rows.labels);
        outputs[n]->commit();
      }
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (quiet || !cluster.leader()) return;
  if (!out_path.empty()) {
    for (const GramFile& f : files) std::cerr << "rntk: wrote " << f.path << "\n";
  }
  const std::size_t n_cols = cols ? cols->sequences.size() : rows.sequences.size();
  std::cerr << "rntk: K(" << rows_path << (cols ? ", " + cols_path : std::string()) << "): " << rows.sequences.size()
            << " x " << n_cols << ", dimension " << rows.sequences.dim() << ", " << settings.kernel.layers
            << " layer(s), " << activation_name(settings.kernel.activation) << ", " << seconds << " s"
            << (cluster.size() > 1 ? ", " + std::to_string(cluster.size()) + " ranks" : std::string())
            << (streamed ? ", written tile by tile" : "") << "\n";
}

}  // namespace

void add_gram_command(CLI::App& app, int& status) {
  auto command = std::make_shared<GramCommand>();
  CLI::App* sub = app.add_subcommand(
      "gram",
      "Compute the Gram matrix K(X, X), or K(X, Y) with a second file, of the last-state RNTK "
      "(ntk), the NNGP (nngp) or both. Sequences may differ in length; they are aligned at their "
      "last step. Inputs: UCR .tsv (label first, trailing NaN padding), sktime/UEA .ts "
      "(multivariate), or .csv (one series per line). Under mpirun the ranks share the tiles.");
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
  sub->add_flag("--out-of-core", command->out_of_core,
                "write the .npy output tile by tile, never holding a whole matrix in memory (automatic "
                "under mpirun with several ranks, and when the matrices exceed --memory-budget)");
  sub->add_option("--memory-budget", command->memory_budget,
                  "bound on this process's memory, e.g. 512M or 4G: larger matrices go to the .npy "
                  "output tile by tile; a computation that cannot fit stops before any work with the "
                  "size it needs (default: no bound)")
      ->type_name("SIZE");
  command->params.add_to(*sub, {ParamSpec::Group::kKernel, ParamSpec::Group::kEngine});
  sub->callback([command, &status] { status = run_reporting_errors([&] { command->run(); }); });
}

}  // namespace rntk::cli
