#include "evaluator/scoring.h"

#include <cmath>
#include <map>
#include <memory>
#include <set>

#include "common/errors.h"
#include "common/hash.h"
#include "evaluator/code_exec.h"

namespace evalrun::evaluator {
namespace {

tasks::OutputType output_type_from(const std::string& name) {
  using tasks::OutputType;
  for (auto t : {OutputType::kMultipleChoice, OutputType::kLoglikelihood, OutputType::kLoglikelihoodRolling,
                 OutputType::kGenerateUntil})
    if (tasks::to_string(t) == name) return t;
  throw UserError("results.json: unknown output_type '" + name + "'");
}

std::string text_of(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

// lm-eval's str(target) for the target hash: strings as they are, everything else as JSON text.
std::string target_text(const nlohmann::json& target) { return text_of(target); }

std::vector<int> gold_indices(const tasks::Instance& inst, const std::string& task) {
  std::vector<int> out;
  auto one = [&](const nlohmann::json& t) {
    if (t.is_number_integer()) {
      out.push_back(t.get<int>());
    } else if (t.is_string()) {
      const std::string s = t.get<std::string>();
      for (size_t i = 0; i < inst.choices.size(); ++i)
        if (inst.choices[i] == s) {
          out.push_back(static_cast<int>(i));
          return;
        }
      throw UserError("task '" + task + "': document " + std::to_string(inst.doc_id) + ": target '" + s +
                      "' is not one of the choices");
    } else {
      throw UserError("task '" + task + "': document " + std::to_string(inst.doc_id) +
                      ": target must be a choice index or text, got " + t.dump());
    }
  };
  if (inst.target.is_array())
    for (const auto& t : inst.target) one(t);
  else
    one(inst.target);
  for (int g : out)
    if (g < 0 || g >= static_cast<int>(inst.choices.size()))
      throw UserError("task '" + task + "': document " + std::to_string(inst.doc_id) + ": gold index " +
                      std::to_string(g) + " outside the " + std::to_string(inst.choices.size()) + " choices");
  return out;
}

bool reads_document(const std::string& metric) {
  return metric == "use_grade_norm" || metric == "ruethics_mcc" || metric.rfind("pass@", 0) == 0;
}

nlohmann::json finite_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

}  // namespace

ScoringPlan make_plan(const tasks::TaskConfig& config) {
  ScoringPlan plan;
  plan.task = config.task;
  plan.output_type = config.output_type;
  plan.metrics = config.metric_list;
  // A metric_list entry without higher_is_better takes the metric's own direction (perplexity: lower).
  const nlohmann::json* raw_list = config.raw.is_object() && config.raw.contains("metric_list") &&
                                           config.raw["metric_list"].is_array() &&
                                           config.raw["metric_list"].size() == plan.metrics.size()
                                       ? &config.raw["metric_list"]
                                       : nullptr;
  for (size_t i = 0; raw_list && i < plan.metrics.size(); ++i) {
    const auto& entry = (*raw_list)[i];
    if (entry.is_object() && !entry.contains("higher_is_better") && metrics::metric_exists(plan.metrics[i].metric))
      plan.metrics[i].higher_is_better = metrics::make_metric(plan.metrics[i].metric)->higher_is_better();
  }
  if (plan.metrics.empty()) {
    // lm-eval's defaults per output type (those this build knows).
    std::vector<std::string> names;
    switch (config.output_type) {
      case tasks::OutputType::kMultipleChoice: names = {"acc", "acc_norm"}; break;
      case tasks::OutputType::kLoglikelihood: names = {"perplexity", "acc"}; break;
      case tasks::OutputType::kLoglikelihoodRolling: names = {"word_perplexity", "byte_perplexity", "bits_per_byte"}; break;
      case tasks::OutputType::kGenerateUntil: names = {"exact_match"}; break;
    }
    for (const auto& n : names)
      if (metrics::metric_exists(n))
        plan.metrics.push_back(
            tasks::MetricSpec{n, "", metrics::make_metric(n)->higher_is_better(), nlohmann::json::object()});
  }
  if (config.output_type == tasks::OutputType::kGenerateUntil && !config.filter_list.empty())
    plan.filters = config.filter_list;
  else
    plan.filters = {tasks::FilterPipelineSpec{"none", {}}};
  return plan;
}

nlohmann::json plan_to_json(const ScoringPlan& plan) {
  nlohmann::json metrics = nlohmann::json::array(), filters = nlohmann::json::array();
  for (const auto& m : plan.metrics)
    metrics.push_back({{"metric", m.metric}, {"aggregation", m.aggregation},
                       {"higher_is_better", m.higher_is_better}, {"kwargs", m.kwargs}});
  for (const auto& f : plan.filters) {
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& s : f.steps) steps.push_back({{"function", s.function}, {"args", s.args}});
    filters.push_back({{"name", f.name}, {"filter", steps}});
  }
  return {{"task", plan.task}, {"output_type", tasks::to_string(plan.output_type)}, {"metrics", metrics},
          {"filters", filters}};
}

ScoringPlan plan_from_json(const nlohmann::json& json) {
  ScoringPlan plan;
  plan.task = json.at("task").get<std::string>();
  plan.output_type = output_type_from(json.at("output_type").get<std::string>());
  for (const auto& m : json.at("metrics"))
    plan.metrics.push_back(tasks::MetricSpec{m.at("metric"), m.at("aggregation"), m.at("higher_is_better"),
                                             m.at("kwargs")});
  for (const auto& f : json.at("filters")) {
    tasks::FilterPipelineSpec spec{f.at("name"), {}};
    for (const auto& s : f.at("filter")) spec.steps.push_back(tasks::FilterStep{s.at("function"), s.at("args")});
    plan.filters.push_back(spec);
  }
  return plan;
}

bool needs_execution(const ScoringPlan& plan) {
  std::vector<std::string> names;
  for (const auto& m : plan.metrics) names.push_back(m.metric);
  return needs_code_execution(names);
}

bool needs_unconditional(const ScoringPlan& plan) {
  if (plan.output_type != tasks::OutputType::kMultipleChoice) return false;
  for (const auto& m : plan.metrics)
    if (m.metric == "acc_mutual_info") return true;
  return false;
}

std::vector<nlohmann::json> score_documents(const tasks::Task& task, const ScoringPlan& plan,
                                            const std::vector<DocWork>& docs, const RequestTable& table,
                                            bool predict_only, const metrics::CodeSandbox* sandbox,
                                            int exec_workers) {
  std::vector<std::unique_ptr<metrics::Metric>> metric_fns;
  if (!predict_only)
    for (const auto& m : plan.metrics) metric_fns.push_back(metrics::make_metric(m.metric, m.kwargs, m.aggregation));
  const auto& all_docs = task.eval_docs();
  const auto& requests = table.requests();
  std::vector<nlohmann::json> records;

  // Code tasks: run every filtered sample of every document first (one parallel batch), so that the
  // per-sample pass/fail is known when the metrics are computed below.
  std::vector<std::vector<nlohmann::json>> code_results;  // [doc][filter] -> per-sample per-test results
  if (!predict_only && needs_execution(plan) && plan.output_type == tasks::OutputType::kGenerateUntil) {
    std::unique_ptr<metrics::CodeSandbox> own;
    if (!sandbox) sandbox = (own = std::make_unique<metrics::CodeSandbox>()).get();
    std::vector<CodeJob> jobs;
    for (const auto& work : docs) {
      const auto raw = requests.at(work.requests[0]).response.get<std::vector<std::string>>();
      for (const auto& filter : plan.filters)
        jobs.push_back(CodeJob{&all_docs.at(work.doc_id),
                               filter.steps.empty() ? raw : task.apply_filter(filter, raw, all_docs.at(work.doc_id))});
    }
    const auto flat = run_code_jobs(*sandbox, jobs, exec_workers);
    size_t k = 0;
    for (size_t d = 0; d < docs.size(); ++d) {
      code_results.emplace_back();
      for (size_t f = 0; f < plan.filters.size(); ++f) code_results.back().push_back(flat[k++]);
    }
  }

  for (size_t doc_index = 0; doc_index < docs.size(); ++doc_index) {
    const auto& work = docs[doc_index];
    const tasks::Instance& inst = work.instance;
    const nlohmann::json& doc = all_docs.at(work.doc_id);
    const nlohmann::json& response = requests.at(work.requests.at(0)).response;
    nlohmann::json arguments = nlohmann::json::array(), resps = nlohmann::json::array();
    metrics::SampleInput sample;
    sample.doc = &doc;
    std::vector<std::string> raw_texts;

    switch (plan.output_type) {
      case tasks::OutputType::kMultipleChoice:
      case tasks::OutputType::kLoglikelihood:
        for (size_t j = 0; j < inst.continuations.size(); ++j) {
          arguments.push_back({work.context, inst.continuations[j]});
          const auto& s = response.at(j);
          resps.push_back(nlohmann::json::array({{s.at(0), s.at(1)}}));
          sample.choice_logprobs.push_back(s.at(0).get<double>());
          sample.choice_is_greedy.push_back(s.at(1).get<bool>());
        }
        if (plan.output_type == tasks::OutputType::kMultipleChoice) {
          sample.choices = inst.choices;
          if (!inst.target.is_null()) sample.gold_indices = gold_indices(inst, plan.task);
          for (int g : sample.gold_indices) sample.references.push_back(inst.choices[g]);
          if (work.requests.size() > 1) {
            const auto& uncond = requests.at(work.requests[1]).response;
            for (const auto& s : uncond) sample.unconditional_logprobs.push_back(s.at(0).get<double>());
          }
        } else {
          sample.logprob = sample.choice_logprobs.at(0);
          sample.is_greedy = sample.choice_is_greedy.at(0);
          sample.references.push_back(text_of(inst.target));
        }
        break;
      case tasks::OutputType::kLoglikelihoodRolling:
        arguments.push_back({inst.rolling_text});
        resps.push_back(nlohmann::json::array({response.at(0)}));
        sample.logprob = response.at(0).get<double>();
        sample.text = inst.rolling_text;
        break;
      case tasks::OutputType::kGenerateUntil: {
        const auto& g = requests.at(work.requests[0]).generation;
        nlohmann::json kwargs = {{"until", g.until}, {"max_gen_toks", g.max_tokens}, {"temperature", g.temperature},
                                 {"top_p", g.top_p}, {"do_sample", g.temperature > 0}};
        if (g.n > 1) kwargs["n"] = g.n;
        for (const auto& [k, v] : g.extra.items()) kwargs[k] = v;
        arguments.push_back({work.context, kwargs});
        raw_texts = response.get<std::vector<std::string>>();
        resps.push_back(response);
        if (inst.target.is_array())
          for (const auto& t : inst.target) sample.references.push_back(text_of(t));
        else if (!inst.target.is_null())
          sample.references.push_back(text_of(inst.target));
        break;
      }
    }

    for (size_t filter_index = 0; filter_index < plan.filters.size(); ++filter_index) {
      const auto& filter = plan.filters[filter_index];
      nlohmann::json record;
      record["doc_id"] = work.doc_id;
      record["doc"] = doc;
      record["target"] = inst.target;
      record["arguments"] = arguments;
      record["resps"] = resps;
      if (plan.output_type == tasks::OutputType::kGenerateUntil) {
        const std::vector<std::string> filtered =
            filter.steps.empty() ? raw_texts : task.apply_filter(filter, raw_texts, doc);
        sample.predictions = filtered;
        record["filtered_resps"] = filtered.size() == 1 ? nlohmann::json(filtered[0]) : nlohmann::json(filtered);
        if (!code_results.empty()) {
          // MERA's scoring filter output (per sample, per test) and check_solution against doc.outputs;
          // documents without public outputs (secret test answers) fail, as MERA scores them 0.
          const nlohmann::json& results = code_results[doc_index][filter_index];
          const nlohmann::json expected = doc.contains("outputs") ? doc["outputs"] : nlohmann::json::array();
          sample.prediction_passed.clear();
          for (const auto& r : results) sample.prediction_passed.push_back(code_sample_passed(expected, r));
          record["code_results"] = results;
          record["code_passed"] = sample.prediction_passed;
        }
      } else {
        nlohmann::json filtered = nlohmann::json::array();
        for (const auto& r : resps) filtered.push_back(r.at(0));
        record["filtered_resps"] = filtered;
      }
      record["filter"] = filter.name;
      nlohmann::json names = nlohmann::json::array();
      for (size_t m = 0; m < metric_fns.size(); ++m) {
        // A document without gold (MERA's hidden test answers) has no item for metrics that need one;
        // metrics that read the document itself (USE, ruEthics, pass@k) still score it as MERA does.
        if (inst.target.is_null() && !reads_document(plan.metrics[m].metric)) {
          record[plan.metrics[m].metric] = nullptr;
          names.push_back(plan.metrics[m].metric);
          continue;
        }
        record[plan.metrics[m].metric] = metric_fns[m]->per_sample(sample);
        names.push_back(plan.metrics[m].metric);
      }
      record["metrics"] = names;
      record["doc_hash"] = sha256_hex(doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
      record["prompt_hash"] = sha256_hex(work.context);
      record["target_hash"] = sha256_hex(target_text(inst.target));
      if (!inst.prompt_id.empty()) record["prompt_id"] = inst.prompt_id;
      records.push_back(std::move(record));
    }
  }
  return records;
}

TaskScores aggregate_records(const ScoringPlan& plan, const std::vector<nlohmann::json>& records,
                             const metrics::StderrOptions& stderr_options, bool predict_only) {
  TaskScores out;
  out.results["alias"] = plan.task;
  if (predict_only) return out;
  std::set<std::string> prompt_ids;
  for (const auto& r : records)
    if (r.contains("prompt_id")) prompt_ids.insert(r["prompt_id"].get<std::string>());
  metrics::StderrOptions no_stderr = stderr_options;
  no_stderr.bootstrap_iters = 0;

  for (const auto& spec : plan.metrics) {
    auto metric = metrics::make_metric(spec.metric, spec.kwargs, spec.aggregation);
    out.higher_is_better[spec.metric] = spec.higher_is_better;
    for (const auto& filter : plan.filters) {
      std::vector<nlohmann::json> items;
      std::map<std::string, std::vector<nlohmann::json>> by_prompt;
      for (const auto& r : records) {
        if (r.at("filter") != filter.name) continue;
        if (r.at(spec.metric).is_null()) {
          out.missing_gold = true;
          continue;
        }
        items.push_back(r.at(spec.metric));
        if (prompt_ids.size() > 1) by_prompt[r.value("prompt_id", std::string())].push_back(r.at(spec.metric));
      }
      if (items.empty()) continue;
      const std::string suffix = "," + filter.name;
      const metrics::Aggregate agg = metric->aggregate(items, stderr_options);
      out.results[spec.metric + suffix] = finite_or_null(agg.value);
      out.results[spec.metric + "_stderr" + suffix] =
          agg.stderr_value && std::isfinite(*agg.stderr_value) ? nlohmann::json(*agg.stderr_value) : nlohmann::json("N/A");
      for (const auto& [key, value] : agg.breakdown) out.results[key + suffix] = finite_or_null(value);
      for (const auto& [prompt, prompt_items] : by_prompt) {
        auto& entry = out.per_prompt[prompt];
        entry[spec.metric + suffix] = finite_or_null(metric->aggregate(prompt_items, no_stderr).value);
        entry["n"] = prompt_items.size();
      }
    }
  }
  return out;
}

}  // namespace evalrun::evaluator
