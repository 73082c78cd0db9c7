// run_evaluation: tasks -> instances -> deduplicated requests -> cache/backend -> filters + metrics ->
// results.json, samples_<task>.jsonl and the summary table.
#include <chrono>
#include <cmath>
#include <iostream>
#include <numeric>
#include <random>

#include "common/errors.h"
#include "evaluator/cache.h"
#include "evaluator/dialogue.h"
#include "evaluator/evaluator.h"
#include "evaluator/outputs.h"
#include "evaluator/requests.h"
#include "evaluator/scheduler.h"
#include "evaluator/scoring.h"
#include "evaluator/version.h"
#include "tasks/task.h"

namespace evalrun::evaluator {
namespace fs = std::filesystem;
namespace {

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Documents of one task this run evaluates: the first N (or a seeded random N), then the shard's slice.
std::vector<size_t> select_documents(size_t total, const RunConfig& config) {
  std::vector<size_t> ids(total);
  std::iota(ids.begin(), ids.end(), size_t{0});
  if (config.limit) {
    const size_t k = config.limit->fraction
                         ? static_cast<size_t>(std::ceil(total * config.limit->value))
                         : std::min(total, static_cast<size_t>(config.limit->value));
    if (config.sample_seed) {
      // Fisher-Yates with an explicit generator: the same subset on every platform and library.
      std::mt19937_64 rng(*config.sample_seed);
      for (size_t i = total; i > 1; --i) std::swap(ids[i - 1], ids[rng() % i]);
      ids.resize(k);
      std::sort(ids.begin(), ids.end());
    } else {
      ids.resize(k);
    }
  }
  if (config.shard.count > 1) {
    std::vector<size_t> slice;
    for (size_t id : ids)
      if (id % config.shard.count == static_cast<size_t>(config.shard.index)) slice.push_back(id);
    ids = std::move(slice);
  }
  return ids;
}

struct TaskRun {
  std::shared_ptr<const tasks::Task> task;
  ScoringPlan plan;
  std::vector<DocWork> docs;
  size_t original = 0;
};

nlohmann::json config_block(const RunConfig& config, const backends::Backend& backend, bool chat) {
  const auto& b = config.backend;
  nlohmann::json header_names = nlohmann::json::array();  // values may hold secrets: names only
  for (const auto& h : b.headers) header_names.push_back(h.substr(0, h.find(':')));
  nlohmann::json limit = nullptr;
  if (config.limit) limit = config.limit->value;
  return {{"model", b.model},
          {"model_name", backend.name()},
          {"backend", b.backend},
          {"fingerprint", backend.fingerprint()},
          {"batch_size", b.batch_size},
          {"seed", config.seed},
          {"fewshot_seed", config.seed},
          {"sample_seed", config.sample_seed ? nlohmann::json(*config.sample_seed) : nlohmann::json(nullptr)},
          {"limit", limit},
          {"num_fewshot", config.num_fewshot ? nlohmann::json(*config.num_fewshot) : nlohmann::json(nullptr)},
          {"gen_kwargs", config.gen_kwargs},
          {"chat_template", chat},
          {"fewshot_as_multiturn", config.fewshot_as_multiturn},
          {"system_prompt", config.system_prompt},
          {"bootstrap_iters", config.bootstrap_iters},
          {"predict_only", config.predict_only},
          {"api", b.model.rfind("api:", 0) == 0 ? nlohmann::json(b.api) : nlohmann::json(nullptr)},
          {"base_url", b.base_url},
          {"headers", header_names},
          // `evalrun submit` reads the test ids from here when it is not given --data-dir.
          {"data_dir", config.data_dir ? nlohmann::json(fs::absolute(*config.data_dir).string()) : nlohmann::json(nullptr)}};
}

// Scores MERA defines that this build cannot compute locally, stated instead of a made-up number.
const char* not_computed_note(const std::string& task) {
  if (task == "rudetox")
    return "not computed: MERA's J = STA x SIM x FL needs three encoder classifiers (style, meaning "
           "similarity, fluency) that evalrun does not run; chrF and BLEU against the references are reported";
  return nullptr;
}

}  // namespace

nlohmann::json run_evaluation(const RunConfig& config) {
  const double start = unix_now();
  tasks::RegistryOptions registry_options;
  registry_options.include_paths = config.include_paths;
  registry_options.data_dir = config.data_dir;
  tasks::TaskRegistry registry(registry_options);
  const std::vector<std::string> names = registry.resolve(config.tasks);
  if (names.empty()) throw UserError("--tasks '" + config.tasks + "': selects no task");

  // A stale results.json from an earlier run must not pass for this run's result if this one fails.
  std::error_code ec;
  fs::create_directories(config.output_dir, ec);
  if (ec) throw UserError("--output-dir " + config.output_dir.string() + ": cannot create: " + ec.message());
  fs::remove(config.output_dir / "results.json", ec);

  auto backend = backends::make_backend(config.backend);
  const bool api_chat = config.backend.model.rfind("api:", 0) == 0 && config.backend.api == "chat";
  const bool chat = config.chat_template.value_or(backend->chat_template() != nullptr || api_chat);
  if (config.fewshot_as_multiturn && !chat)
    throw UserError("--fewshot-as-multiturn: needs chat mode (the model has no chat template, or --no-chat-template)");

  tasks::PromptOptions prompt_options;
  prompt_options.num_fewshot = config.num_fewshot;
  prompt_options.chat = chat;
  prompt_options.fewshot_as_multiturn = config.fewshot_as_multiturn;
  prompt_options.system_prompt = config.system_prompt;
  prompt_options.seed = config.seed;

  RequestTable table;
  std::vector<TaskRun> runs;
  std::unique_ptr<Cache> cache;
  if (!config.no_cache) cache = std::make_unique<Cache>(config.cache_path.value_or(config.output_dir / "cache.sqlite"));
  ScheduleStats stats;
  auto answer_all = [&] {
    const ScheduleStats s = answer_requests(*backend, table, cache.get(), config.quiet_progress);
    stats.total = s.total;
    stats.computed += s.computed;
    stats.cached += s.cached;
  };
  for (const auto& name : names) {
    TaskRun run;
    run.task = registry.get(name);
    run.plan = make_plan(run.task->config());
    BuildOptions build;
    build.chat = chat;
    build.backend = backend.get();
    build.gen_kwargs = config.gen_kwargs;
    build.seed = config.gen_kwargs.contains("seed") ? config.gen_kwargs["seed"].get<uint64_t>() : config.seed;
    build.unconditional = needs_unconditional(run.plan);
    const size_t total = run.task->eval_docs().size();
    run.original = total;
    if (is_sequential_dialogue(run.task->config())) {
      // ruTiE: round r answers question r of every dialogue before round r + 1 is built.
      run.docs = run_dialogues(*run.task, select_documents(total, config), prompt_options, build, table, answer_all);
    } else {
      for (size_t id : select_documents(total, config))
        run.docs.push_back(add_instance(run.task->config(), run.task->build(id, prompt_options), build, table));
    }
    runs.push_back(std::move(run));
  }

  answer_all();

  // Code tasks: one sandbox for the run; its isolation level is stated once on stderr.
  std::unique_ptr<metrics::CodeSandbox> sandbox;
  for (const auto& run : runs)
    if (!config.predict_only && needs_execution(run.plan) && !sandbox) {
      sandbox = std::make_unique<metrics::CodeSandbox>();
      std::cerr << sandbox->capabilities().describe() << "\n";
    }

  metrics::StderrOptions stderr_options;
  stderr_options.bootstrap_iters = config.bootstrap_iters;
  stderr_options.seed = config.seed;
  stderr_options.threads = config.backend.threads;
  const bool write_samples_files = config.log_samples || config.predict_only || config.shard.count > 1;

  nlohmann::json out;
  nlohmann::json results = nlohmann::json::object(), group_subtasks = nlohmann::json::object(),
                 configs = nlohmann::json::object(), versions = nlohmann::json::object(),
                 n_shot = nlohmann::json::object(), hib = nlohmann::json::object(),
                 n_samples = nlohmann::json::object(), per_prompt = nlohmann::json::object(),
                 plans = nlohmann::json::object(), notes = nlohmann::json::object();
  for (const auto& run : runs) {
    const auto& cfg = run.task->config();
    std::vector<nlohmann::json> records = score_documents(*run.task, run.plan, run.docs, table, config.predict_only,
                                                           sandbox.get(), config.exec_workers);
    const TaskScores scores = aggregate_records(run.plan, records, stderr_options, config.predict_only);
    if (write_samples_files) write_samples(config.output_dir, cfg.task, records);
    results[cfg.task] = scores.results;
    if (const char* note = not_computed_note(cfg.task)) notes[cfg.task] = {{"J", note}};
    if (scores.missing_gold)
      notes[cfg.task]["gold"] = "documents without a gold answer (hidden test answers) are not scored here; "
                                "the submission is scored by MERA";
    group_subtasks[cfg.task] = nlohmann::json::array();
    configs[cfg.task] = cfg.raw.is_null() ? nlohmann::json{{"task", cfg.task}} : cfg.raw;
    versions[cfg.task] = cfg.version;
    n_shot[cfg.task] = config.num_fewshot.value_or(cfg.num_fewshot);
    hib[cfg.task] = scores.higher_is_better;
    n_samples[cfg.task] = {{"original", run.original}, {"effective", run.docs.size()}};
    if (!scores.per_prompt.empty()) per_prompt[cfg.task] = scores.per_prompt;
    plans[cfg.task] = plan_to_json(run.plan);
  }
  const double end = unix_now();
  out["results"] = results;
  out["group_subtasks"] = group_subtasks;
  out["configs"] = configs;
  out["versions"] = versions;
  out["n-shot"] = n_shot;
  out["higher_is_better"] = hib;
  out["n-samples"] = n_samples;
  if (!per_prompt.empty()) out["per_prompt"] = per_prompt;
  if (!notes.empty()) out["notes"] = notes;
  out["config"] = config_block(config, *backend, chat);
  out["git_hash"] = kGitHash;
  out["date"] = start;
  out["evalrun_version"] = kVersion;
  out["start_time"] = start;
  out["end_time"] = end;
  out["total_evaluation_time_seconds"] = std::to_string(end - start);
  out["requests"] = {{"distinct", stats.total}, {"cached", stats.cached}, {"computed", stats.computed},
                     {"deduplicated", table.duplicates()}};
  out["evalrun"] = {{"shard", {{"index", config.shard.index}, {"count", config.shard.count}}}, {"plans", plans}};
  write_json_atomic(config.output_dir / "results.json", out);
  return out;
}

ValidateReport validate_tasks(const std::string& spec, const std::vector<fs::path>& include_paths,
                              const std::optional<fs::path>& data_dir) {
  tasks::RegistryOptions registry_options;
  registry_options.include_paths = include_paths;
  registry_options.data_dir = data_dir;
  tasks::TaskRegistry registry(registry_options);
  ValidateReport report;
  for (const auto& name : registry.resolve(spec)) {
    auto task = registry.get(name);
    ValidateReport::Task entry;
    entry.name = name;
    entry.split = task->eval_split();
    entry.documents = task->eval_docs().size();
    tasks::PromptOptions plain, chat;
    chat.chat = true;
    // Every document's prompt, in plain and chat mode; metrics named by the task must exist too.
    for (size_t i = 0; i < entry.documents; ++i) {
      task->build(i, plain);
      task->build(i, chat);
      ++entry.prompts_built;
    }
    for (const auto& m : task->config().metric_list)
      if (!metrics::metric_exists(m.metric)) metrics::make_metric(m.metric, m.kwargs, m.aggregation);
    report.tasks.push_back(entry);
  }
  return report;
}

}  // namespace evalrun::evaluator
