#include "rntk/compare.hpp"

#include <chrono>
#include <map>
#include <set>

#include "rntk/kernels.hpp"
#include "rntk/model.hpp"
#include "rntk/stop.hpp"

namespace rntk {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

std::vector<MethodResult> compare_methods(const Dataset& train, const Dataset& test,
                                          const std::vector<MethodGrid>& methods,
                                          const Progress& progress) {
  std::vector<Settings> points;
  std::map<std::string, std::size_t> index_of;
  std::vector<std::vector<std::size_t>> members(methods.size());
  for (std::size_t m = 0; m < methods.size(); ++m) {
    for (const Settings& s : methods[m].second) {
      const auto [it, fresh] = index_of.emplace(settings_key(s), points.size());
      if (fresh) points.push_back(s);
      members[m].push_back(it->second);
    }
  }
  // One cross-validation per group of points that share what a model selection cannot vary
  // (check_shared: e.g. the rntk grid's repeats); within a group, methods share kernel passes.
  std::map<std::string, std::vector<std::size_t>> groups;
  for (std::size_t p = 0; p < points.size(); ++p) groups[shared_key(points[p].model)].push_back(p);
  std::vector<Candidate> all(points.size());
  double done = 0;
  for (const auto& [key, group] : groups) {
    std::vector<Settings> group_points;
    for (std::size_t p : group) group_points.push_back(points[p]);
    const double share = static_cast<double>(group.size()) / static_cast<double>(points.size());
    const std::vector<Candidate> scored = cross_validate(train, group_points, [&](double f, const std::string& note) {
      if (progress) progress(0.9 * (done + share * f), note);
    });
    for (std::size_t g = 0; g < group.size(); ++g) all[group[g]] = scored[g];
    done += share;
  }

  std::vector<MethodResult> results;
  for (std::size_t m = 0; m < methods.size(); ++m) {
    throw_if_stop_requested();
    if (progress) progress(0.9 + 0.1 * static_cast<double>(m) / static_cast<double>(methods.size()), "fit " + methods[m].first);
    std::vector<Candidate> mine;
    for (std::size_t p : members[m]) mine.push_back(all[p]);
    MethodResult r;
    r.method = methods[m].first;
    r.chosen = mine[best_candidate(mine)];
    std::set<std::string> passes;
    for (const Candidate& c : mine) {
      if (passes.insert(pass_key(c.settings)).second) r.train_seconds += c.kernel_seconds;
      r.train_seconds += c.fit_seconds;
    }
    const auto fit_start = Clock::now();
    const Model model = Model::fit(train, r.chosen.settings);
    r.train_seconds += seconds_since(fit_start);
    const auto test_start = Clock::now();
    const Prediction p = model.predict(test.sequences.view());
    r.test_seconds = seconds_since(test_start);
    r.classes = model.classes().size();
    r.test_score = r.chosen.settings.model.task == Task::kClassification ? accuracy(p.labels, test.labels)
                                                                          : rmse(p.values, test.labels);
    results.push_back(r);
  }
  return results;
}

}  // namespace rntk
