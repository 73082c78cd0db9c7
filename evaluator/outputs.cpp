#include "evaluator/outputs.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "common/errors.h"

namespace evalrun::evaluator {
namespace fs = std::filesystem;

void write_file_atomic(const fs::path& path, const std::string& content) {
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  const fs::path tmp = path.string() + ".tmp-" + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) throw UserError(path.string() + ": cannot write (check --output-dir)");
  size_t off = 0;
  while (off < content.size()) {
    const ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n <= 0) {
      ::close(fd);
      ::unlink(tmp.c_str());
      throw UserError(path.string() + ": write failed (disk full?)");
    }
    off += static_cast<size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
  fs::rename(tmp, path, ec);
  if (ec) {
    ::unlink(tmp.c_str());
    throw UserError(path.string() + ": cannot rename the finished file into place: " + ec.message());
  }
}

void write_json_atomic(const fs::path& path, const nlohmann::json& value) {
  write_file_atomic(path, value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

fs::path samples_path(const fs::path& dir, const std::string& task) { return dir / ("samples_" + task + ".jsonl"); }

void write_samples(const fs::path& dir, const std::string& task, const std::vector<nlohmann::json>& records) {
  std::string text;
  for (const auto& r : records) text += r.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  write_file_atomic(samples_path(dir, task), text);
}

std::vector<nlohmann::json> read_samples(const fs::path& dir, const std::string& task) {
  const fs::path path = samples_path(dir, task);
  std::ifstream in(path);
  if (!in) throw UserError(path.string() + ": missing (shards must be run with the same --tasks)");
  std::vector<nlohmann::json> out;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    try {
      out.push_back(nlohmann::json::parse(line));
    } catch (const nlohmann::json::exception& e) {
      throw UserError(located(path.string(), number, "not a JSON line"));
    }
  }
  return out;
}

nlohmann::json read_json_file(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw UserError(path.string() + ": missing");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw UserError(path.string() + ": not valid JSON (" + std::string(e.what()) + ")");
  }
}

namespace {

std::string number_text(const nlohmann::json& v) {
  if (v.is_number()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.4f", v.get<double>());
    return buf;
  }
  if (v.is_null()) return "N/A";
  return v.is_string() ? v.get<std::string>() : v.dump();
}

std::string row(const std::vector<std::string>& cells) {
  std::string out = "|";
  for (const auto& c : cells) out += c + "|";
  return out + "\n";
}

}  // namespace

std::string summary_table(const nlohmann::json& results_json) {
  std::vector<std::vector<std::string>> rows;
  const auto& results = results_json.value("results", nlohmann::json::object());
  const auto& versions = results_json.value("versions", nlohmann::json::object());
  const auto& nshot = results_json.value("n-shot", nlohmann::json::object());
  const auto& hib = results_json.value("higher_is_better", nlohmann::json::object());
  for (const auto& [task, values] : results.items()) {
    bool first = true;
    for (const auto& [key, value] : values.items()) {
      const auto comma = key.find(',');
      if (key == "alias" || comma == std::string::npos) continue;
      const std::string metric = key.substr(0, comma), filter = key.substr(comma + 1);
      if (metric.size() > 7 && metric.compare(metric.size() - 7, 7, "_stderr") == 0) continue;
      const std::string stderr_key = metric + "_stderr," + filter;
      std::string arrow;
      if (hib.contains(task) && hib[task].contains(metric)) arrow = hib[task][metric].get<bool>() ? "↑" : "↓";
      std::string version = versions.contains(task) ? number_text(versions[task]) : "";
      if (version.find('.') != std::string::npos) {
        while (version.back() == '0') version.pop_back();
        if (version.back() == '.') version.pop_back();
      }
      rows.push_back({first ? task : "", first ? version : "", filter,
                      first && nshot.contains(task) ? nshot[task].dump() : "", metric, arrow, number_text(value),
                      "±", values.contains(stderr_key) ? number_text(values[stderr_key]) : "N/A"});
      first = false;
    }
    if (first) rows.push_back({task, "", "", "", "(predict only)", "", "", "", ""});
  }
  std::vector<std::string> header = {"Tasks", "Version", "Filter", "n-shot", "Metric", "", "Value", "", "Stderr"};
  std::vector<size_t> width(header.size());
  auto cell_width = [](const std::string& s) {
    size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;  // UTF-8 code points
    return n;
  };
  for (size_t i = 0; i < header.size(); ++i) width[i] = cell_width(header[i]);
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], cell_width(r[i]));
  auto pad = [&](const std::vector<std::string>& r) {
    std::vector<std::string> out;
    for (size_t i = 0; i < r.size(); ++i) out.push_back(r[i] + std::string(width[i] - cell_width(r[i]), ' '));
    return row(out);
  };
  std::string out = pad(header);
  std::vector<std::string> rule;
  for (size_t w : width) rule.push_back(std::string(w, '-'));
  out += row(rule);
  for (const auto& r : rows) out += pad(r);
  return out;
}

}  // namespace evalrun::evaluator
