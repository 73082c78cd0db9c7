// `evalrun submit mera`: a run directory -> the MERA site's zip (scripts/log_to_submission.py behaviour).
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "common/errors.h"
#include "common/hash.h"
#include "submissions/checks.h"
#include "submissions/mera.h"
#include "submissions/zip_io.h"

namespace evalrun::submissions {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// results.json of an evalrun run; anything else is named plainly.
json read_results(const fs::path& dir) {
  if (!fs::is_directory(dir)) throw UserError(dir.string() + ": not a directory (expected an evalrun --output-dir)");
  const fs::path path = dir / "results.json";
  if (!fs::exists(path)) {
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      const std::string name = e.path().filename().string();
      if (name.rfind("results_", 0) == 0 && e.path().extension() == ".json")
        throw UserError(path.string() + ": missing; found " + e.path().string() +
                        ", which is an lm-evaluation-harness output: re-run with evalrun (--log-samples) or use "
                        "MERA's scripts/log_to_submission.py for it");
    }
    throw UserError(path.string() + ": missing (the run did not finish, or this is not an evalrun --output-dir)");
  }
  json r;
  try {
    std::ifstream in(path);
    r = json::parse(in);
  } catch (const json::exception& e) {
    throw UserError(path.string() + ": not valid JSON (" + e.what() + ")");
  }
  if (!r.is_object() || !r.contains("results") || !r["results"].is_object())
    throw UserError(path.string() + ": no 'results' object (not an evalrun results file)");
  if (!r.contains("evalrun_version") || !r.contains("config") || !r["config"].is_object())
    throw UserError(path.string() + ": no 'evalrun_version'/'config' fields: written by another tool or an older "
                    "evalrun; re-run the tasks with this evalrun");
  return r;
}

std::vector<json> read_samples_file(const fs::path& path) {
  std::ifstream in(path);
  std::vector<json> out;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    json rec;
    try {
      rec = json::parse(line);
    } catch (const json::exception&) {
      throw UserError(located(path.string(), number, "not a JSON line"));
    }
    for (const char* field : {"doc_id", "doc", "filtered_resps"})
      if (!rec.is_object() || !rec.contains(field))
        throw UserError(located(path.string(), number, std::string("no '") + field +
                                                           "' field (not an evalrun/lm-eval sample log)"));
    out.push_back(std::move(rec));
  }
  return out;
}

// One record per document: the first filter pipeline logged for it (MERA tasks log one).
std::vector<json> one_per_doc(std::vector<json> records, std::vector<std::string>& warnings, const std::string& task) {
  std::vector<json> out;
  std::set<std::string> seen, filters;
  for (auto& r : records) {
    filters.insert(r.value("filter", std::string("none")));
    if (seen.insert(r["doc_id"].dump()).second) out.push_back(std::move(r));
  }
  if (filters.size() > 1)
    warnings.push_back(task + ": several filters logged; packed the first one of each document");
  return out;
}

std::string id_text(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::string tie_id(const json& meta) {
  return "dialog_id:" + id_text(meta.value("dialog_id", json())) + ";question_id:" + id_text(meta.value("question_id", json()));
}

std::string doc_key(const MeraTask& task, const json& doc) {
  if (!doc.is_object() || !doc.contains("meta") || !doc["meta"].is_object()) return "?";
  if (task.kind == PackKind::kTie) return tie_id(doc["meta"]);
  return doc["meta"].contains("id") ? id_text(doc["meta"]["id"]) : "?";
}

std::string list_some(const std::vector<std::string>& ids) {
  std::string s;
  for (size_t i = 0; i < ids.size() && i < 8; ++i) s += (i ? ", " : "") + ids[i];
  if (ids.size() > 8) s += ", ... (" + std::to_string(ids.size() - 8) + " more)";
  return s;
}

// MERA's standard settings: shots per task, seed 1234, greedy decoding except the code tasks (T=0.6, sampled).
void check_settings(const json& results, const MeraTask& task, const std::string& name,
                    std::vector<std::string>& warnings) {
  const json& nshot = results.value("n-shot", json::object());
  if (nshot.contains(name) && nshot[name].is_number_integer() && nshot[name].get<int>() != task.shots)
    warnings.push_back(task.cls + ": ran with " + nshot[name].dump() + " shots; MERA's standard is " +
                       std::to_string(task.shots));
  const json& cfg = results.value("configs", json::object()).value(name, json::object());
  if (cfg.contains("generation_kwargs") && cfg["generation_kwargs"].is_object()) {
    const json& g = cfg["generation_kwargs"];
    const bool sampled = g.value("do_sample", false);
    const double t = g.value("temperature", 0.0);
    if (task.kind == PackKind::kCode && (!sampled || t != 0.6))
      warnings.push_back(task.cls + ": generation should sample at temperature 0.6 (MERA's run script); ran with "
                         "do_sample=" + std::string(sampled ? "true" : "false") + " temperature=" + std::to_string(t));
    if (task.kind != PackKind::kCode && sampled)
      warnings.push_back(task.cls + ": generation sampled (do_sample=true); MERA decodes greedily");
  }
}

bool truly_generative(const MeraTask& t) {
  return t.kind == PackKind::kText || t.kind == PackKind::kUse || t.kind == PackKind::kCode;
}

json hash_prompts(json rec) {
  // MERA's copy_and_truncate: ruTiE prompts (which embed the model's own answers) become their sha256.
  if (rec.contains("arguments") && rec["arguments"].is_array())
    for (auto& a : rec["arguments"]) {
      if (a.is_array() && !a.empty() && a[0].is_string()) a[0] = sha256_hex(a[0].get<std::string>());
      else if (a.is_array() && !a.empty() && a[0].is_array() && !a[0].empty() && a[0][0].is_string())
        a[0] = sha256_hex(a[0][0].get<std::string>());
    }
  return rec;
}

}  // namespace

SubmitReport submit_mera(const SubmitOptions& options) {
  SubmitReport report;
  const json results = read_results(options.from);
  const json& config = results["config"];
  if (config.value("seed", json(1234)) != json(1234) || config.value("fewshot_seed", json(1234)) != json(1234))
    report.warnings.push_back("seeds: ran with seed " + config.value("seed", json()).dump() + ", fewshot_seed " +
                              config.value("fewshot_seed", json()).dump() + "; MERA uses 1234");
  if (config.contains("gen_kwargs") && config["gen_kwargs"].is_object() && !config["gen_kwargs"].empty())
    report.warnings.push_back("--gen-kwargs " + config["gen_kwargs"].dump() + " overrode the tasks' generation settings");
  if (config.value("predict_only", false) == false && config.contains("limit") && !config["limit"].is_null())
    report.warnings.push_back("the run used --limit " + config["limit"].dump() + ": a partial test split");

  std::optional<fs::path> data_dir = options.data_dir;
  if (!data_dir && config.contains("data_dir") && config["data_dir"].is_string() &&
      !config["data_dir"].get<std::string>().empty())
    data_dir = fs::path(config["data_dir"].get<std::string>());

  std::vector<ZipEntry> entries, logs;
  std::vector<std::pair<const MeraTask*, json>> packed;
  logs.push_back({"results.json", read_text(options.from / "results.json"), false});
  for (const auto& task : mera_tasks()) {
    std::string name = task.src;
    if (options.gen && !truly_generative(task)) name += "_gen";
    const fs::path samples = options.from / ("samples_" + name + ".jsonl");
    if (!fs::exists(samples)) {
      report.missing.push_back(task.cls + ": no " + samples.filename().string() +
                               (results["results"].contains(name) ? " (run with --log-samples)" : " (task not run)"));
      continue;
    }
    std::vector<json> records = one_per_doc(read_samples_file(samples), report.warnings, name);
    check_settings(results, task, name, report.warnings);

    // Expected test ids: the data directory's test split, else the run's own document counts.
    std::vector<json> expected;
    if (data_dir) {
      expected = load_test_docs(*data_dir, task);
      if (expected.empty())
        report.warnings.push_back(task.cls + ": no test split under " + data_dir->string() + "; ids not checked");
    }
    if (!expected.empty()) {
      std::set<std::string> have;
      for (const auto& r : records) have.insert(doc_key(task, r["doc"]));
      std::vector<std::string> absent;
      for (const auto& d : expected)
        if (!have.count(doc_key(task, d))) absent.push_back(doc_key(task, d));
      if (!absent.empty())
        report.missing.push_back(task.cls + ": " + std::to_string(absent.size()) + " of " +
                                 std::to_string(expected.size()) + " test ids missing: " + list_some(absent));
    } else {
      const json& ns = results.value("n-samples", json::object()).value(name, json::object());
      const long original = ns.value("original", 0L);
      if (original > 0 && static_cast<long>(records.size()) < original)
        report.missing.push_back(task.cls + ": " + std::to_string(original - static_cast<long>(records.size())) +
                                 " of " + std::to_string(original) + " test documents missing (--limit?)");
    }
    json submission = pack_task(task, records, options.gen, task.kind == PackKind::kTie ? expected : std::vector<json>{});
    // What the site would reject even with every id present (e.g. a generative log packed as LL).
    for (const auto& e : check_task_file(task, submission, nullptr))
      report.missing.push_back(task.cls + ": the site would reject it: " + e.value("type", std::string()) + " " +
                               e.dump());
    entries.push_back({task.cls + ".json", submission.dump(4, ' ', false, json::error_handler_t::replace), false});
    report.packed.push_back(task.cls);

    std::string log_text;
    if (task.kind == PackKind::kTie) {
      for (const auto& r : read_samples_file(samples)) log_text += hash_prompts(r).dump() + "\n";
    } else {
      log_text = read_text(samples);
    }
    logs.push_back({samples.filename().string(), std::move(log_text), false});
  }
  if (!report.missing.empty() && !options.allow_partial) {
    std::string msg = options.out.string() + ": not written; the submission would be incomplete (" +
                      std::to_string(report.missing.size()) + " problems): ";
    for (size_t i = 0; i < report.missing.size(); ++i) msg += (i ? "; " : "") + report.missing[i];
    throw UserError(msg + ". Pass --allow-partial to pack it anyway");
  }
  entries.push_back({"logs_public.zip", zip_bytes(logs), false});
  write_zip_atomic(options.out, entries);
  report.zip = options.out;
  return report;
}

}  // namespace evalrun::submissions
