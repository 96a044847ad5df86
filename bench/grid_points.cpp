// Every point of a grid on every data set of a UCR-layout archive: its cross-validation score on
// the training set and its test accuracy. bench/grid_analysis.py then replays model selection for
// any sub-grid from this table (which point cross-validation picks, and what that scores on test),
// the measurement behind the default grids (docs/CLASSIFY.md).
//
//   rntk_grid_points ARCHIVE "GRID" OUT.csv [DATASET,DATASET,...]
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "rntk/io.hpp"
#include "rntk/selection.hpp"
#include "shortest.hpp"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: rntk_grid_points ARCHIVE \"GRID\" OUT.csv [DATASET,...]\n");
    return 2;
  }
  namespace fs = std::filesystem;
  const std::string archive = argv[1];
  std::vector<std::string> names;
  if (argc > 4) {
    std::stringstream list(argv[4]);
    for (std::string n; std::getline(list, n, ',');) names.push_back(n);
  } else {
    for (const auto& e : fs::directory_iterator(archive)) {
      const std::string n = e.path().filename().string();
      if (fs::exists(e.path() / (n + "_TRAIN.tsv"))) names.push_back(n);
    }
    std::sort(names.begin(), names.end());
  }
  rntk::Settings base;
  base.model.pad = true;
  const std::vector<rntk::Settings> points = rntk::parse_grid(argv[2], "grid").points(base);
  rntk::AtomicFile out(argv[3]);
  out.stream() << "dataset,variable_length,n_train,point";
  for (const rntk::ParamSpec& s : rntk::param_specs()) out.stream() << ',' << s.name;
  out.stream() << ",cv_score,test_score\n";
  for (const std::string& name : names) {
    const rntk::ReadOptions read{rntk::SequenceFormat::kUcrTsv, false, true};
    const rntk::Dataset train = rntk::read_sequences((fs::path(archive) / name / (name + "_TRAIN.tsv")).string(), read);
    const rntk::Dataset test = rntk::read_sequences((fs::path(archive) / name / (name + "_TEST.tsv")).string(), read);
    const rntk::SequenceSetView v = train.sequences.view();
    bool variable = false;
    for (std::size_t i = 0; i < v.size(); ++i) variable = variable || v.length(i) != v.max_length();
    const std::vector<rntk::Candidate> scores = rntk::cross_validate_and_test(train, test, points);
    for (std::size_t p = 0; p < scores.size(); ++p) {
      out.stream() << name << ',' << (variable ? "yes" : "no") << ',' << v.size() << ',' << p;
      for (const rntk::ParamSpec& s : rntk::param_specs()) out.stream() << ',' << s.format(s.get(scores[p].settings));
      out.stream() << ',' << rntk::shortest_text(scores[p].cv_score) << ',' << rntk::shortest_text(scores[p].test_score) << '\n';
    }
    std::fprintf(stderr, "%s: %zu points\n", name.c_str(), scores.size());
  }
  out.commit();
  return 0;
}
