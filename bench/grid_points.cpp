// Every point of a grid on every data set of a UCR-layout archive: its cross-validation score on
// the training set and its test accuracy. bench/grid_analysis.py then replays model selection for
// any sub-grid from these tables (which point cross-validation picks, and what that scores on
// test), the measurement behind the default grids (docs/CLASSIFY.md).
//
//   rntk_grid_points ARCHIVE "GRID" OUT_DIR [DATASET,DATASET,...] [--max-train N]
//
// One CSV per data set, OUT_DIR/NAME.csv, each written when the set is done; a set whose file
// exists is skipped, so an interrupted study resumes where it stopped. --max-train skips sets with
// more training sequences (their SVM fits dominate the time). Columns: the data set, every
// parameter, the cross-validation score (with repeats > 1 the mean of cv_repeats, the score of each
// repeat), the test accuracy, and the seconds of the point's kernel pass and of its fits.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "rntk/io.hpp"
#include "rntk/selection.hpp"
#include "shortest.hpp"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: rntk_grid_points ARCHIVE \"GRID\" OUT_DIR [DATASET,...] [--max-train N]\n");
    return 2;
  }
  namespace fs = std::filesystem;
  const std::string archive = argv[1];
  const fs::path out_dir = argv[3];
  fs::create_directories(out_dir);
  std::vector<std::string> names;
  std::size_t max_train = static_cast<std::size_t>(-1);
  for (int a = 4; a < argc; ++a) {
    if (std::string(argv[a]) == "--max-train" && a + 1 < argc) {
      max_train = std::stoul(argv[++a]);
      continue;
    }
    std::stringstream list(argv[a]);
    for (std::string n; std::getline(list, n, ',');) names.push_back(n);
  }
  if (names.empty()) {
    for (const auto& e : fs::directory_iterator(archive)) {
      const std::string n = e.path().filename().string();
      if (fs::exists(e.path() / (n + "_TRAIN.tsv"))) names.push_back(n);
    }
    std::sort(names.begin(), names.end());
  }
  rntk::Settings base;
  base.model.pad = true;
  const std::vector<rntk::Settings> points = rntk::parse_grid(argv[2], "grid").points(base);
  for (const std::string& name : names) {
    const fs::path target = out_dir / (name + ".csv");
    if (fs::exists(target)) continue;
    const rntk::ReadOptions read{rntk::SequenceFormat::kUcrTsv, false, true};
    const rntk::Dataset train = rntk::read_sequences((fs::path(archive) / name / (name + "_TRAIN.tsv")).string(), read);
    const rntk::Dataset test = rntk::read_sequences((fs::path(archive) / name / (name + "_TEST.tsv")).string(), read);
    const rntk::SequenceSetView v = train.sequences.view();
    bool variable = false;
    for (std::size_t i = 0; i < v.size(); ++i) variable = variable || v.length(i) != v.max_length();
    if (v.size() > max_train) {
      std::fprintf(stderr, "%s: skipped (%zu training sequences)\n", name.c_str(), v.size());
      continue;
    }
    const std::vector<rntk::Candidate> scores = rntk::cross_validate_and_test(train, test, points);
    rntk::AtomicFile out(target.string());
    out.stream() << "dataset,variable_length,n_train,point";
    for (const rntk::ParamSpec& s : rntk::param_specs()) out.stream() << ',' << s.name;
    out.stream() << ",cv_score,test_score,cv_repeats,kernel_seconds,fit_seconds\n";
    for (std::size_t p = 0; p < scores.size(); ++p) {
      out.stream() << name << ',' << (variable ? "yes" : "no") << ',' << v.size() << ',' << p;
      for (const rntk::ParamSpec& s : rntk::param_specs()) out.stream() << ',' << s.format(s.get(scores[p].settings));
      out.stream() << ',' << rntk::shortest_text(scores[p].cv_score) << ',' << rntk::shortest_text(scores[p].test_score) << ',';
      for (std::size_t r = 0; r < scores[p].repeat_scores.size(); ++r) {
        out.stream() << (r ? " " : "") << rntk::shortest_text(scores[p].repeat_scores[r]);
      }
      out.stream() << ',' << scores[p].kernel_seconds << ',' << scores[p].fit_seconds << '\n';
    }
    out.commit();
    std::fprintf(stderr, "%s: %zu points\n", name.c_str(), scores.size());
  }
  return 0;
}
