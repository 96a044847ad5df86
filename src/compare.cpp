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
  const std::vector<Candidate> all = cross_validate(train, points, [&](double f, const std::string& note) {
    if (progress) progress(0.9 * f, note);
  });

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
