#include "evaluator/scheduler.h"

#include <algorithm>
#include <numeric>

#include "common/errors.h"
#include "evaluator/progress.h"

namespace evalrun::evaluator {

ScheduleStats answer_requests(backends::Backend& backend, RequestTable& table, Cache* cache, bool quiet) {
  auto& requests = table.requests();
  const std::string fingerprint = backend.fingerprint();
  ScheduleStats stats;
  stats.total = requests.size();

  size_t already = 0;
  std::vector<size_t> pending[3];
  for (size_t i = 0; i < requests.size(); ++i) {
    Request& r = requests[i];
    if (!r.response.is_null()) {  // answered by an earlier call (ruTiE rounds)
      ++already;
      continue;
    }
    if (cache) {
      if (auto hit = cache->get(fingerprint, kind_name(r.kind), r.canonical)) {
        r.response = std::move(*hit);
        ++stats.cached;
        continue;
      }
    }
    pending[static_cast<int>(r.kind)].push_back(i);
  }
  const size_t todo = stats.total - stats.cached - already;
  if (todo > 0 && (!pending[0].empty() || !pending[1].empty()) && !backend.supports_loglikelihood())
    throw UserError("--model " + backend.name() +
                    ": this backend cannot score log-likelihoods; use the tasks' _gen (generative) variants");

  Progress progress(todo, stats.cached, quiet);
  auto commit = [&](size_t index, nlohmann::json response) {
    Request& r = requests[index];
    if (cache) cache->put(fingerprint, kind_name(r.kind), r.canonical, response);
    r.response = std::move(response);
    ++stats.computed;
    progress.tick();
  };

  for (auto& list : pending) {
    // Longest first (lm-eval's order): out-of-memory shows at once, and batches hold similar lengths.
    std::stable_sort(list.begin(), list.end(),
                     [&](size_t a, size_t b) { return requests[a].length > requests[b].length; });
  }
  if (!pending[0].empty()) {
    std::vector<backends::ChoiceGroup> groups;
    for (size_t i : pending[0]) groups.push_back(requests[i].group);
    backend.score(groups, [&](size_t k, std::vector<backends::ContinuationScore> scores) {
      if (k >= pending[0].size() || scores.size() != groups[k].continuations.size())
        throw std::runtime_error("backend returned a malformed score result");
      commit(pending[0][k], to_json(scores));
    });
  }
  if (!pending[1].empty()) {
    std::vector<std::string> texts;
    for (size_t i : pending[1]) texts.push_back(requests[i].text);
    backend.score_rolling(texts, [&](size_t k, backends::RollingScore score) {
      if (k >= pending[1].size()) throw std::runtime_error("backend returned a malformed rolling result");
      commit(pending[1][k], to_json(score));
    });
  }
  if (!pending[2].empty()) {
    std::vector<backends::GenerationRequest> gens;
    for (size_t i : pending[2]) gens.push_back(requests[i].generation);
    backend.generate(gens, [&](size_t k, backends::GenerationResult result) {
      if (k >= pending[2].size()) throw std::runtime_error("backend returned a malformed generation result");
      commit(pending[2][k], to_json(result));
    });
  }
  progress.finish();
  for (const auto& r : requests)
    if (r.response.is_null())
      throw std::runtime_error(std::string("backend left a ") + kind_name(r.kind) + " request unanswered");
  return stats;
}

}  // namespace evalrun::evaluator
