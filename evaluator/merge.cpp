// evalrun merge: shard outputs (results.json + samples_<task>.jsonl with per-sample metric items) are
// combined in document order and aggregated again, which gives exactly the unsharded result.
#include <algorithm>
#include <set>

#include "common/errors.h"
#include "evaluator/evaluator.h"
#include "evaluator/outputs.h"
#include "evaluator/scoring.h"

namespace evalrun::evaluator {
namespace fs = std::filesystem;

nlohmann::json merge_shards(const std::vector<fs::path>& shard_dirs, const fs::path& out_dir,
                            int bootstrap_iters_override) {
  if (shard_dirs.empty()) throw UserError("merge: name the shard output folders to combine");
  std::vector<nlohmann::json> shards;
  int count = -1;
  std::set<int> seen;
  for (const auto& dir : shard_dirs) {
    nlohmann::json r = read_json_file(dir / "results.json");
    const fs::path where = dir / "results.json";
    if (!r.contains("evalrun") || !r["evalrun"].contains("shard") || !r["evalrun"].contains("plans"))
      throw UserError(where.string() + ": not written by `evalrun run --shard I/N`");
    const int index = r["evalrun"]["shard"].value("index", 0);
    const int n = r["evalrun"]["shard"].value("count", 1);
    if (count >= 0 && n != count)
      throw UserError(where.string() + ": shard of " + std::to_string(n) + ", others are of " + std::to_string(count));
    count = n;
    if (!seen.insert(index).second) throw UserError(where.string() + ": shard " + std::to_string(index) + " given twice");
    if (!shards.empty()) {
      const auto& first = shards.front();
      if (r["config"]["fingerprint"] != first["config"]["fingerprint"])
        throw UserError(where.string() + ": another model (fingerprint " + r["config"]["fingerprint"].dump() +
                        ") than the first shard");
      if (r["evalrun"]["plans"] != first["evalrun"]["plans"])
        throw UserError(where.string() + ": other tasks or metrics than the first shard");
    }
    shards.push_back(std::move(r));
  }
  for (int i = 0; i < count; ++i)
    if (!seen.count(i)) throw UserError("merge: shard " + std::to_string(i) + "/" + std::to_string(count) + " is missing");

  nlohmann::json out = shards.front();
  const bool predict_only = out["config"].value("predict_only", false);
  metrics::StderrOptions stderr_options;
  stderr_options.bootstrap_iters =
      bootstrap_iters_override >= 0 ? bootstrap_iters_override : out["config"].value("bootstrap_iters", 1000);
  stderr_options.seed = out["config"].value("seed", 1234);
  out["per_prompt"] = nlohmann::json::object();
  double start = out["start_time"], end = out["end_time"], total = 0;
  for (const auto& s : shards) {
    start = std::min(start, s["start_time"].get<double>());
    end = std::max(end, s["end_time"].get<double>());
    total += std::stod(s["total_evaluation_time_seconds"].get<std::string>());
  }

  for (const auto& [task, plan_json] : out["evalrun"]["plans"].items()) {
    const ScoringPlan plan = plan_from_json(plan_json);
    std::vector<nlohmann::json> records;
    size_t effective = 0;
    for (size_t k = 0; k < shards.size(); ++k) {
      auto part = read_samples(shard_dirs[k], task);
      records.insert(records.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
      effective += shards[k]["n-samples"][task]["effective"].get<size_t>();
    }
    // Document order, filters in plan order within a document (as an unsharded run writes them).
    auto filter_rank = [&](const nlohmann::json& r) {
      for (size_t i = 0; i < plan.filters.size(); ++i)
        if (plan.filters[i].name == r.at("filter")) return i;
      return plan.filters.size();
    };
    std::stable_sort(records.begin(), records.end(), [&](const nlohmann::json& a, const nlohmann::json& b) {
      const size_t da = a.at("doc_id"), db = b.at("doc_id");
      return da != db ? da < db : filter_rank(a) < filter_rank(b);
    });
    const TaskScores scores = aggregate_records(plan, records, stderr_options, predict_only);
    out["results"][task] = scores.results;
    out["higher_is_better"][task] = scores.higher_is_better;
    if (!scores.per_prompt.empty()) out["per_prompt"][task] = scores.per_prompt;
    out["n-samples"][task]["effective"] = effective;
    write_samples(out_dir, task, records);
  }
  if (out["per_prompt"].empty()) out.erase("per_prompt");
  out["start_time"] = start;
  out["end_time"] = end;
  out["date"] = start;
  out["total_evaluation_time_seconds"] = std::to_string(total);
  out.erase("requests");
  out["evalrun"]["shard"] = {{"index", 0}, {"count", 1}};
  out["evalrun"]["merged_from"] = count;
  write_json_atomic(out_dir / "results.json", out);
  return out;
}

}  // namespace evalrun::evaluator
