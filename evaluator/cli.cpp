// The evaluator's subcommands: run (default), tasks, validate, merge; and one-line parse errors with
// the closest valid names.
#include "evaluator/cli.h"

#include <algorithm>
#include <cctype>
#include <iostream>
#include <memory>
#include <sstream>

#include "common/errors.h"
#include "evaluator/evaluator.h"
#include "evaluator/outputs.h"
#include "metrics/metric.h"
#include "submissions/mera.h"
#include "tasks/task.h"

namespace evalrun::evaluator {
namespace fs = std::filesystem;
namespace {

// The lm-eval style table, then (for MERA runs) the leaderboard table; results.md beside results.json.
void print_and_present(const nlohmann::json& results, const std::filesystem::path& output_dir) {
  std::cout << summary_table(results);
  submissions::write_results_markdown(results, output_dir / "results.md");
  if (const std::string table = submissions::leaderboard_table(results); !table.empty()) std::cout << "\n" << table;
  std::cout << std::flush;
}

struct RunFlags {
  RunConfig config;
  std::string limit, shard, gen_kwargs, cache;
  uint64_t sample_seed = 0;
  bool chat_on = false, chat_off = false, no_progress = false;
  bool fewshot_from_task = true;
  std::vector<std::string> include_paths;
  std::string data_dir;
};

void add_run(CLI::App& app, CommandTable& table) {
  auto flags = std::make_shared<RunFlags>();
  auto& c = flags->config;
  auto& b = c.backend;
  auto* sub = app.add_subcommand("run", "evaluate a model on tasks (the default subcommand)");
  sub->add_option("--model", b.model, "Hugging Face model directory, or api:<name>")->required();
  sub->add_option("--backend", b.backend, "auto | cpu | cuda | api")->capture_default_str();
  sub->add_option("--tasks", c.tasks, "comma list of task names, tags (e.g. mera) and globs")->required();
  sub->add_option("--fewshot", c.num_fewshot, "number of few-shot examples (overrides the task)");
  sub->add_flag("--fewshot-from-task,!--no-fewshot-from-task", flags->fewshot_from_task,
                "each task's own num_fewshot (default; MERA's settings for --tasks mera); --fewshot N overrides, "
                "--no-fewshot-from-task means 0 shots");
  sub->add_option("--exec-workers", c.exec_workers, "code tasks: programs run in parallel (0 = all cores)")
      ->capture_default_str();
  sub->add_option("--limit", flags->limit, "first N documents per task, or a fraction < 1 of them");
  sub->add_option("--sample-seed", flags->sample_seed, "with --limit: a seeded random subset instead of the first N");
  sub->add_option("--batch-size", b.batch_size, "batch size (0 = backend default)");
  sub->add_option("--output-dir", c.output_dir, "folder for results.json, samples and the cache")->capture_default_str();
  sub->add_option("--seed", c.seed, "few-shot sampler and generation seed")->capture_default_str();
  sub->add_option("--system-prompt", c.system_prompt, "system message (chat mode) or prefix");
  sub->add_flag("--chat-template", flags->chat_on, "render prompts with the model's chat template");
  sub->add_flag("--no-chat-template", flags->chat_off, "plain-text prompts even when the model has a chat template");
  sub->add_flag("--fewshot-as-multiturn", c.fewshot_as_multiturn, "few-shot examples as user/assistant turns");
  sub->add_option("--gen-kwargs", flags->gen_kwargs, "generation overrides k=v,... (until=a|b, max_gen_toks, temperature, ...)");
  sub->add_flag("--log-samples", c.log_samples, "write samples_<task>.jsonl");
  sub->add_flag("--predict-only", c.predict_only, "generate and log samples, compute no metrics");
  sub->add_option("--cache", flags->cache, "SQLite response cache (default <output-dir>/cache.sqlite)");
  sub->add_flag("--no-cache", c.no_cache, "do not read or write the response cache");
  sub->add_option("--data-dir", flags->data_dir, "folder with the task data (HF snapshot layouts)");
  sub->add_option("--include-path", flags->include_paths, "extra folder of task YAMLs (repeatable)");
  sub->add_option("--shard", flags->shard, "I/N: evaluate documents with doc_id % N == I (combine with merge)");
  sub->add_option("--bootstrap-iters", c.bootstrap_iters, "bootstrap iterations for stderr (0 = off)")->capture_default_str();
  sub->add_flag("--no-progress", flags->no_progress, "no progress display on stderr");
  // Backend settings (backends::BackendOptions).
  sub->add_option("--threads", b.threads, "CPU threads (0 = all cores)");
  sub->add_option("--dtype", b.dtype, "engine weights: auto | f32 | bf16")->capture_default_str();
  sub->add_option("--base-url", b.base_url, "API: server URL (OpenAI-compatible)");
  sub->add_option("--api", b.api, "API: chat | completions")->capture_default_str();
  sub->add_option("--api-key-env", b.api_key_env, "API: environment variable holding the key")->capture_default_str();
  sub->add_option("--header", b.headers, "API: extra header 'K: V' (repeatable)");
  sub->add_option("--request-timeout", b.request_timeout_s, "API: seconds per request")->capture_default_str();
  sub->add_option("--concurrency", b.concurrency, "API: requests in flight")->capture_default_str();
  sub->add_option("--max-retries", b.max_retries, "API: attempts per request")->capture_default_str();
  sub->add_option("--rpm", b.requests_per_minute, "API: requests per minute limit (0 = none)");
  sub->add_option("--tpm", b.tokens_per_minute, "API: tokens per minute limit (0 = none)");
  sub->add_option("--tokenizer", b.tokenizer_path, "API: local tokenizer for log-likelihood requests");

  table.add(sub, [flags, sub] {
    RunConfig config = flags->config;
    auto& b = config.backend;
    if (b.backend != "auto" && b.backend != "cpu" && b.backend != "cuda" && b.backend != "api")
      throw UserError("--backend: expected auto, cpu, cuda or api, got '" + b.backend + "'");
    if (b.api != "chat" && b.api != "completions")
      throw UserError("--api: expected chat or completions, got '" + b.api + "'");
    if (!flags->limit.empty()) config.limit = parse_limit(flags->limit);
    if (sub->count("--sample-seed")) {
      if (!config.limit) throw UserError("--sample-seed: needs --limit (the size of the random subset)");
      config.sample_seed = flags->sample_seed;
    }
    if (config.num_fewshot && *config.num_fewshot < 0) throw UserError("--fewshot: expected 0 or more");
    if (!config.num_fewshot && !flags->fewshot_from_task) config.num_fewshot = 0;
    if (config.exec_workers < 0) throw UserError("--exec-workers: expected 0 (all cores) or more");
    if (b.batch_size < 0) throw UserError("--batch-size: expected 0 (auto) or more");
    if (config.bootstrap_iters < 0) throw UserError("--bootstrap-iters: expected 0 or more");
    if (b.concurrency < 1) throw UserError("--concurrency: expected 1 or more");
    if (flags->chat_on && flags->chat_off) throw UserError("--chat-template and --no-chat-template: choose one");
    if (flags->chat_on) config.chat_template = true;
    if (flags->chat_off) config.chat_template = false;
    if (!flags->gen_kwargs.empty()) config.gen_kwargs = parse_gen_kwargs(flags->gen_kwargs);
    if (!flags->shard.empty()) config.shard = parse_shard(flags->shard);
    if (!flags->cache.empty()) {
      if (config.no_cache) throw UserError("--cache and --no-cache: choose one");
      config.cache_path = flags->cache;
    }
    if (!flags->data_dir.empty()) config.data_dir = flags->data_dir;
    for (const auto& p : flags->include_paths) config.include_paths.emplace_back(p);
    config.quiet_progress = flags->no_progress;
    const nlohmann::json results = run_evaluation(config);
    print_and_present(results, config.output_dir);
    std::cerr << "evalrun: results written to " << (config.output_dir / "results.json").string() << "\n";
    return 0;
  });
}

std::string splits_of(const tasks::TaskConfig& c) {
  std::string out;
  for (const auto& [label, split] : {std::pair<const char*, const std::string*>{"train", &c.training_split},
                                     {"val", &c.validation_split},
                                     {"test", &c.test_split},
                                     {"fewshot", &c.fewshot_split}})
    if (!split->empty()) out += (out.empty() ? "" : " ") + std::string(label) + "=" + *split;
  return out;
}

std::string shorten(std::string text, size_t limit) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  if (text.size() <= limit) return text;
  size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // UTF-8 boundary
  return text.substr(0, cut) + "...";
}

void add_tasks(CLI::App& app, CommandTable& table) {
  struct Flags {
    std::vector<std::string> include_paths;
    std::string data_dir, filter = "*";
  };
  auto flags = std::make_shared<Flags>();
  auto* sub = app.add_subcommand("tasks", "list the available tasks");
  sub->add_option("filter", flags->filter, "names, tags or globs (default: all)");
  sub->add_option("--include-path", flags->include_paths, "extra folder of task YAMLs (repeatable)");
  sub->add_option("--data-dir", flags->data_dir, "folder with the task data");
  table.add(sub, [flags] {
    tasks::RegistryOptions options;
    for (const auto& p : flags->include_paths) options.include_paths.emplace_back(p);
    if (!flags->data_dir.empty()) options.data_dir = flags->data_dir;
    tasks::TaskRegistry registry(options);
    std::vector<std::vector<std::string>> rows = {{"Task", "Output", "Shots", "Splits", "Metrics", "Description"}};
    for (const auto& name : registry.resolve(flags->filter)) {
      const auto& c = registry.config(name);
      std::string metrics;
      for (const auto& m : c.metric_list) metrics += (metrics.empty() ? "" : ",") + m.metric;
      std::string description = c.raw.is_object() && c.raw.contains("metadata") && c.raw["metadata"].is_object() &&
                                        c.raw["metadata"].contains("description")
                                    ? c.raw["metadata"]["description"].get<std::string>()
                                    : c.description;
      rows.push_back({name, tasks::to_string(c.output_type), std::to_string(c.num_fewshot), splits_of(c), metrics,
                      shorten(description, 60)});
    }
    std::vector<size_t> width(rows[0].size(), 0);
    auto cps = [](const std::string& s) {
      size_t n = 0;
      for (unsigned char ch : s) n += (ch & 0xC0) != 0x80;
      return n;
    };
    for (const auto& r : rows)
      for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], cps(r[i]));
    for (const auto& r : rows) {
      std::string line;
      for (size_t i = 0; i < r.size(); ++i)
        line += r[i] + (i + 1 < r.size() ? std::string(width[i] - cps(r[i]) + 2, ' ') : "");
      std::cout << line << "\n";
    }
    return 0;
  });
}

void add_validate(CLI::App& app, CommandTable& table) {
  struct Flags {
    std::string tasks = "*", data_dir;
    std::vector<std::string> include_paths;
  };
  auto flags = std::make_shared<Flags>();
  auto* sub = app.add_subcommand("validate", "check task configs, data files and every prompt, without a model");
  sub->add_option("--tasks", flags->tasks, "comma list of names, tags and globs (default: all)");
  sub->add_option("--include-path", flags->include_paths, "extra folder of task YAMLs (repeatable)");
  sub->add_option("--data-dir", flags->data_dir, "folder with the task data");
  table.add(sub, [flags] {
    std::vector<fs::path> includes(flags->include_paths.begin(), flags->include_paths.end());
    std::optional<fs::path> data_dir;
    if (!flags->data_dir.empty()) data_dir = flags->data_dir;
    const ValidateReport report = validate_tasks(flags->tasks, includes, data_dir);
    size_t docs = 0;
    for (const auto& t : report.tasks) {
      std::cout << t.name << ": " << t.documents << " documents (" << t.split << "), " << t.prompts_built
                << " prompts built\n";
      docs += t.documents;
    }
    std::cout << "OK: " << report.tasks.size() << " tasks, " << docs << " documents\n";
    return 0;
  });
}

void add_merge(CLI::App& app, CommandTable& table) {
  struct Flags {
    std::string out;
    std::vector<std::string> shards;
    int bootstrap_iters = -1;
  };
  auto flags = std::make_shared<Flags>();
  auto* sub = app.add_subcommand("merge", "combine the outputs of `run --shard I/N` into one result");
  sub->add_option("--out", flags->out, "folder for the merged results.json and samples")->required();
  sub->add_option("shard_dirs", flags->shards, "the shard output folders")->required();
  sub->add_option("--bootstrap-iters", flags->bootstrap_iters, "override the shards' bootstrap iterations");
  table.add(sub, [flags] {
    std::vector<fs::path> dirs(flags->shards.begin(), flags->shards.end());
    const nlohmann::json results = merge_shards(dirs, flags->out, flags->bootstrap_iters);
    print_and_present(results, flags->out);
    std::cerr << "evalrun: merged " << dirs.size() << " shards into " << (fs::path(flags->out) / "results.json").string()
              << "\n";
    return 0;
  });
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string one_line(std::string text) {
  for (char& ch : text)
    if (ch == '\n' || ch == '\r') ch = ' ';
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

}  // namespace

void add_commands(CLI::App& app, CommandTable& table) {
  add_run(app, table);
  add_tasks(app, table);
  add_validate(app, table);
  add_merge(app, table);
}

std::vector<std::string> closest_names(const std::string& word, const std::vector<std::string>& candidates,
                                       size_t max_results) {
  std::vector<std::pair<size_t, std::string>> scored;
  for (const auto& c : candidates) {
    const size_t d = edit_distance(word, c);
    // Close enough to be a typo, or the word is a prefix/part of the name.
    if (d <= std::max<size_t>(2, word.size() / 3) || (word.size() >= 3 && c.find(word) != std::string::npos))
      scored.emplace_back(d, c);
  }
  std::sort(scored.begin(), scored.end());
  std::vector<std::string> out;
  for (const auto& [d, c] : scored) {
    if (out.size() >= max_results) break;
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  }
  return out;
}

std::string explain_parse_error(const CLI::App& app, const std::vector<std::string>& args, const std::string& message) {
  // The subcommand the arguments address (main puts "run" first when none was named).
  const CLI::App* sub = nullptr;
  std::vector<std::string> subcommands;
  for (const auto* s : app.get_subcommands([](const CLI::App*) { return true; })) {
    subcommands.push_back(s->get_name());
    if (!sub && !args.empty() && s->get_name() == args[0]) sub = s;
  }
  std::vector<std::string> options;
  for (const CLI::App* scope : {&app, sub}) {
    if (!scope) continue;
    for (const auto* opt : scope->get_options([](const CLI::Option*) { return true; })) {
      for (const auto& n : opt->get_lnames()) options.push_back("--" + n);
      for (const auto& n : opt->get_snames()) options.push_back("-" + n);
    }
  }
  const std::string prefix = sub ? sub->get_name() + ": " : "";
  auto suggestion = [](const std::vector<std::string>& near) {
    std::string text;
    for (size_t k = 0; k < near.size(); ++k) text += (k ? ", " : "") + near[k];
    return near.empty() ? std::string() : " (did you mean " + text + "?)";
  };
  auto find_option = [&](const std::string& name) -> const CLI::Option* {
    for (const CLI::App* scope : {sub, &app})
      if (scope)
        if (const auto* opt = const_cast<CLI::App*>(scope)->get_option_no_throw(name)) return opt;
    return nullptr;
  };
  bool has_positional = false;
  if (sub)
    for (const auto* opt : sub->get_options([](const CLI::Option* o) { return o->get_positional(); }))
      has_positional = has_positional || opt != nullptr;
  // Unknown options and stray words are reported first, whatever CLI11 complained about (it reports a
  // missing --model before an unknown --modle).
  bool value_expected = false;
  for (size_t i = sub ? 1 : 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (value_expected) {
      value_expected = false;
      continue;
    }
    if (arg == "--") break;
    const bool numeric = arg.size() > 1 && arg[0] == '-' && (std::isdigit(static_cast<unsigned char>(arg[1])) || arg[1] == '.');
    if (arg.size() > 1 && arg[0] == '-' && !numeric) {
      const std::string name = arg.substr(0, arg.find('='));
      if (const auto* opt = find_option(name)) {
        value_expected = arg.find('=') == std::string::npos && opt->get_type_size() > 0;
        continue;
      }
      return prefix + "unknown option '" + name + "'" + suggestion(closest_names(name, options, 3)) + "; see `evalrun " +
             (sub ? sub->get_name() + " " : "") + "--help`";
    }
    if (has_positional) continue;
    const auto near = closest_names(arg, subcommands, 3);
    if (!near.empty() || message.find("not expected") != std::string::npos)
      return "unknown command or argument '" + arg + "'" + suggestion(near);
  }
  return prefix + one_line(message);
}

}  // namespace evalrun::evaluator
