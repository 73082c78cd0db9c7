// `evalrun score-submission`: modules/scoring/src/worker.py's evaluate() on a local zip.
#include <algorithm>
#include <map>

#include "common/errors.h"
#include "submissions/checks.h"
#include "submissions/mera.h"
#include "submissions/zip_io.h"

namespace evalrun::submissions {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Our own wording of what each of the site's error codes means.
const std::map<std::string, std::string>& comments() {
  static const std::map<std::string, std::string> m = {
      {"unreadable_zip", "the archive cannot be opened as a zip"},
      {"no_task", "no <Class>.json file for this task in the archive (names are case-sensitive)"},
      {"extension", "the task file does not end in .json"},
      {"unreadable_file", "the task file is not valid JSON"},
      {"no_data_field", "the task file has no \"data\" key"},
      {"no_split", "\"data\" has no \"test\" key"},
      {"no_outputs_field_for_doc", "item number example_number (position, not id) has no \"outputs\""},
      {"no_meta_field_for_doc", "item number example_number (position, not id) has no \"meta\""},
      {"no_id_field_for_doc", "item number example_number (position, not id) has no meta id"},
      {"no_id", "no item with this test id"},
      {"doc_output_type_error", "\"outputs\" has another type than the gold answer"},
      {"doc_parse_output_error", "\"outputs\" is there but cannot be scored"},
      {"task_system_error", "unexpected error while checking the task"},
  };
  return m;
}

std::string lower_ascii(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

json score_submission(const ScoreOptions& options) {
  std::map<std::string, std::vector<json>> errors;
  std::vector<std::string> hints;
  std::map<std::string, std::pair<std::string, std::string>> files;  // stem -> (extension, data)
  const std::string zip_name = options.zip.string();
  if (zip_name.size() < 4 || zip_name.compare(zip_name.size() - 4, 4, ".zip") != 0) {
    errors["_all"].push_back({{"type", "unreadable_zip"}});
  } else {
    try {
      for (auto& e : read_zip(options.zip)) {
        if (e.is_dir) continue;
        const fs::path p(e.name);
        files[p.stem().string()] = {p.extension().string(), std::move(e.data)};
      }
    } catch (const UserError& e) {
      errors["_all"].push_back({{"type", "unreadable_zip"}, {"evalrun_hint", e.what()}});
    }
  }

  json results = json::object();
  bool valid_total = true;
  int scored_tasks = 0;
  std::vector<std::string> no_tasks, scored, checked_only;
  bool main_unknown = false;
  for (const auto& task : mera_tasks()) {
    const std::vector<json> gold = options.gold_dir ? load_gold(*options.gold_dir, task) : std::vector<json>{};
    auto fail = [&](std::vector<json> errs) {
      auto& list = errors[task.cls];
      list.insert(list.end(), errs.begin(), errs.end());
      results[task.cls] = zero_results(task, gold);
      if (task.use_in_total) valid_total = false;
    };
    const auto it = files.find(task.cls);
    if (it == files.end()) {
      json e = {{"type", "no_task"}};
      for (const auto& [stem, f] : files)
        if (lower_ascii(stem) == lower_ascii(task.cls))
          e["evalrun_hint"] = "found '" + stem + f.first + "': the site needs exactly '" + task.cls + ".json'";
      fail({e});
      no_tasks.push_back(task.cls);
      continue;
    }
    const auto& [extension, data] = it->second;
    if (extension != ".json") {
      fail({{{"type", "extension"}, {"extension", extension}}});
      continue;
    }
    json submission;
    try {
      submission = json::parse(data);
    } catch (const json::exception& ex) {
      fail({{{"type", "unreadable_file"}, {"evalrun_hint", ex.what()}}});
      continue;
    }
    const bool has_gold = !gold.empty() && task.cls != "ruDetox";  // ruDetox needs the site's 3 classifiers
    auto errs = check_task_file(task, submission, gold.empty() ? nullptr : &gold);
    if (!errs.empty()) {
      fail(errs);
      continue;
    }
    if (!has_gold) {
      checked_only.push_back(task.cls);
      if (task.use_in_total) main_unknown = true;
      ++scored_tasks;
      continue;
    }
    TaskScore s = score_task(task, submission, gold);
    if (!s.errors.empty()) {
      fail(s.errors);
      continue;
    }
    results[task.cls] = s.metrics;
    scored.push_back(task.cls);
    ++scored_tasks;
  }

  // total_score: the mean over the main tasks (zeros included) of each task's mean top-level metric.
  double total = 0;
  size_t n_main = 0;
  for (const auto& task : mera_tasks())
    if (task.use_in_total && results.contains(task.cls)) total += average_results(results[task.cls]), ++n_main;
  for (const auto& t : no_tasks) results.erase(t);
  json response = {{"status", scored_tasks > 0 ? "OK" : "Failed"}, {"results", results},
                   {"ready_for_public", valid_total}};
  response["results"]["total_score"] =
      main_unknown ? json(nullptr) : json(n_main ? total / static_cast<double>(std::max<size_t>(n_main, 1)) : 0.0);
  if (!errors.empty()) {
    json reasons = json::object(), global = json::array();
    for (auto& [task, list] : errors) {
      for (auto& e : list) e["comment"] = comments().at(e["type"].get<std::string>());
      if (task == "_all") global = list;
      else reasons[task] = list;
    }
    response["error_reason"] = reasons;
    response["global_error_reason"] = global;
  }
  std::vector<std::string> main_checked;
  for (const auto& c : checked_only)
    if (find_mera_task(c)->use_in_total) main_checked.push_back(c);
  response["evalrun"] = {{"scored", scored}, {"checked_only", checked_only},
                         {"total_score_complete", !main_unknown},
                         {"note", main_unknown ? "total_score needs gold for all 15 main tasks; " +
                                                     std::to_string(main_checked.size()) +
                                                     " were only checked (no gold given)"
                                               : ""}};
  return response;
}

}  // namespace evalrun::submissions
