// Leaderboard-style tables and results.md.
#include <cstdio>
#include <sstream>

#include "common/errors.h"
#include "submissions/checks.h"
#include "submissions/mera.h"

#include <fcntl.h>
#include <unistd.h>

namespace evalrun::submissions {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string num(const json& v) {
  if (!v.is_number()) return "N/A";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v.get<double>());
  return buf;
}

size_t width_of(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string markdown(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> w(rows[0].size(), 0);
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], width_of(r[i]));
  std::string out;
  for (size_t k = 0; k < rows.size(); ++k) {
    out += "|";
    for (size_t i = 0; i < rows[k].size(); ++i) out += rows[k][i] + std::string(w[i] - width_of(rows[k][i]), ' ') + "|";
    out += "\n";
    if (k == 0) {
      out += "|";
      for (size_t i = 0; i < w.size(); ++i) out += std::string(w[i], '-') + "|";
      out += "\n";
    }
  }
  return out;
}

// The top-level metrics of one task in an evalrun results.json: {metric: value}.
json task_metrics(const json& results_json, const std::string& name) {
  json out = json::object();
  const json& values = results_json["results"][name];
  const json hib = results_json.value("higher_is_better", json::object()).value(name, json::object());
  std::vector<std::string> names;
  for (const auto& [m, _] : hib.items()) names.push_back(m);
  if (names.empty())
    for (const auto& [k, _] : values.items()) {
      const auto comma = k.find(',');
      if (comma != std::string::npos && k.find("_stderr") == std::string::npos) names.push_back(k.substr(0, comma));
    }
  for (const auto& m : names)
    for (const auto& [k, v] : values.items())
      if (k.rfind(m + ",", 0) == 0) {
        out[m] = v;
        break;
      }
  return out;
}

}  // namespace

std::string leaderboard_table(const json& results_json) {
  if (!results_json.contains("results") || !results_json["results"].is_object()) return "";
  std::vector<std::vector<std::string>> rows = {{"Task", "Mode", "Metric", "Value", "Task score"}};
  double total = 0;
  int n_main = 0;
  bool main_complete = true;
  for (const auto& task : mera_tasks()) {
    bool any = false;
    for (const std::string& name : {task.src, task.src + "_gen"}) {
      if (!results_json["results"].contains(name)) continue;
      any = true;
      const json m = task_metrics(results_json, name);
      std::string metrics, values;
      bool all_numbers = !m.empty();
      for (const auto& [k, v] : m.items()) {
        metrics += (metrics.empty() ? "" : " / ") + k;
        values += (values.empty() ? "" : " / ") + num(v);
        all_numbers = all_numbers && v.is_number();
      }
      const double score = average_results(m);
      rows.push_back({task.cls, name == task.src ? (task.choices.empty() ? "gen" : "LL") : "gen", metrics,
                      values, all_numbers ? num(score) : "N/A"});
      if (task.use_in_total && name == task.src) {
        if (all_numbers) total += score, ++n_main;
        else main_complete = false;
      }
    }
    if (!any && task.use_in_total) main_complete = false;
  }
  if (rows.size() == 1) return "";
  rows.push_back({"Total score", "", "mean of 15 main tasks", "",
                  main_complete && n_main == 15 ? num(total / 15.0)
                                                : "N/A (" + std::to_string(n_main) + " of 15 main tasks scored)"});
  return markdown(rows);
}

std::string submission_table(const json& response) {
  std::vector<std::vector<std::string>> rows = {{"Task", "Status", "Metrics", "Task score"}};
  const json& results = response.value("results", json::object());
  const json errors = response.value("error_reason", json::object());
  const json ev = response.value("evalrun", json::object());
  auto in = [](const json& list, const std::string& s) {
    for (const auto& x : list)
      if (x == s) return true;
    return false;
  };
  for (const auto& task : mera_tasks()) {
    std::string status = "ok", metrics, score = "";
    if (errors.contains(task.cls)) {
      std::string types;
      for (const auto& e : errors[task.cls]) {
        const std::string t = e.value("type", std::string());
        if (types.find(t) == std::string::npos) types += (types.empty() ? "" : ",") + t;
      }
      status = "ERROR " + types + " (" + std::to_string(errors[task.cls].size()) + ")";
      score = "0 (zeroed)";
    } else if (in(ev.value("checked_only", json::array()), task.cls)) {
      status = "checked (no gold)";
      score = "-";
    } else if (results.contains(task.cls)) {
      for (const auto& [k, v] : results[task.cls].items())
        if (k.find('.') == std::string::npos) metrics += (metrics.empty() ? "" : " / ") + k + " " + num(v);
      score = num(average_results(results[task.cls]));
    }
    rows.push_back({task.cls, status, metrics, score});
  }
  const json total = results.value("total_score", json());
  rows.push_back({"Total score", response.value("ready_for_public", false) ? "ready for public" : "NOT ready for public",
                  "mean of 15 main tasks", total.is_number() ? num(total) : "N/A (no gold for every main task)"});
  return markdown(rows);
}

void write_results_markdown(const json& results_json, const fs::path& path) {
  std::ostringstream out;
  const json config = results_json.value("config", json::object());
  out << "# Results\n\n";
  if (config.contains("model")) out << "Model: `" << config["model"].get<std::string>() << "`\n\n";
  const std::string board = leaderboard_table(results_json);
  if (!board.empty()) out << "## MERA (leaderboard order)\n\n" << board << "\n";
  std::vector<std::vector<std::string>> rows = {{"Task", "Metric", "Filter", "Value", "Stderr"}};
  const json results = results_json.value("results", json::object());  // keep alive while iterating
  for (const auto& [task, values] : results.items())
    for (const auto& [k, v] : values.items()) {
      const auto comma = k.find(',');
      if (comma == std::string::npos || k.find("_stderr,") != std::string::npos) continue;
      const std::string metric = k.substr(0, comma), filter = k.substr(comma + 1);
      const std::string se_key = metric + "_stderr," + filter;
      rows.push_back({task, metric, filter, num(v), values.contains(se_key) ? num(values[se_key]) : "N/A"});
    }
  out << "## All metrics\n\n" << markdown(rows);
  const std::string text = out.str();
  const fs::path tmp = path.string() + ".tmp-" + std::to_string(::getpid());
  {
    FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw UserError(path.string() + ": cannot write");
    const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    if (std::fclose(f) != 0 || !ok) {
      std::remove(tmp.c_str());
      throw UserError(path.string() + ": write failed (disk full?)");
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw UserError(path.string() + ": cannot rename into place: " + ec.message());
}

}  // namespace evalrun::submissions
