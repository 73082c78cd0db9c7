// Dataset loading: local JSON / JSONL files and Hugging Face snapshot layouts (MERA's included).
#include <fstream>
#include <sstream>
#include <thread>

#include "common/errors.h"
#include "tasks/rules.h"
#include "tasks/util.h"

namespace evalrun::tasks {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string read_all(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw UserError(file.string() + ": cannot read file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int line_of(const std::string& text, size_t byte) {
  int line = 1;
  for (size_t i = 0; i < byte && i < text.size(); ++i) line += text[i] == '\n';
  return line;
}

std::string parse_message(const json::parse_error& e) {
  std::string m = e.what();
  const size_t p = m.find("parse error");
  return p == std::string::npos ? m : m.substr(p);
}

}  // namespace

std::vector<json> read_documents(const fs::path& file, const std::string& split) {
  const std::string text = read_all(file);
  const std::string name = file.string();
  std::vector<json> docs;
  if (file.extension() == ".jsonl") {
    // Split into lines, then parse them on all cores (MERA's largest splits have ~14k documents).
    std::vector<std::pair<std::string_view, int>> rows;
    size_t start = 0;
    int line = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      ++line;
      std::string_view row(text.data() + start, end - start);
      start = end + 1;
      if (row.find_first_not_of(" \t\r") != std::string_view::npos) rows.emplace_back(row, line);
    }
    docs.resize(rows.size());
    std::vector<std::string> errors(rows.size());
    auto parse_range = [&](size_t from, size_t to) {
      for (size_t i = from; i < to; ++i) {
        try {
          docs[i] = json::parse(rows[i].first);
          if (!docs[i].is_object()) errors[i] = "expected a JSON object per line";
        } catch (const json::parse_error& e) {
          errors[i] = "invalid JSON line: " + parse_message(e);
        }
      }
    };
    const size_t workers = rows.size() < 2048 ? 1 : std::max(1u, std::min(8u, std::thread::hardware_concurrency()));
    std::vector<std::thread> threads;
    for (size_t w = 1; w < workers; ++w) {
      threads.emplace_back(parse_range, rows.size() * w / workers, rows.size() * (w + 1) / workers);
    }
    parse_range(0, rows.size() / workers);
    for (auto& t : threads) t.join();
    for (size_t i = 0; i < rows.size(); ++i) {
      if (!errors[i].empty()) throw UserError(located(name, rows[i].second, errors[i]));
    }
    return docs;
  }
  json root;
  try {
    root = json::parse(text);
  } catch (const json::parse_error& e) {
    throw UserError(located(name, line_of(text, e.byte > 0 ? e.byte - 1 : 0), "invalid JSON: " + parse_message(e)));
  }
  const json* list = &root;
  if (root.is_object() && root.contains("data") && root["data"].is_object()) {
    const json& data = root["data"];
    auto it = data.find(split);
    if (it == data.end()) {
      std::vector<std::string> have;
      for (auto s = data.begin(); s != data.end(); ++s) have.push_back(s.key());
      throw UserError(name + ": no split '" + split + "' under \"data\" (has: " + join_names(have) + ")");
    }
    list = &*it;
  }
  if (!list->is_array()) {
    throw UserError(name + ": expected a list of documents or {\"data\": {\"<split>\": [...]}}");
  }
  docs.reserve(list->size());
  for (size_t i = 0; i < list->size(); ++i) {
    if (!(*list)[i].is_object()) throw UserError(name + ": document " + std::to_string(i) + " is not an object");
    docs.push_back(std::move(root.is_array() ? root[i] : const_cast<json&>((*list)[i])));
  }
  return docs;
}

std::vector<json> load_split(const TaskConfig& c, const std::string& split,
                             const std::optional<fs::path>& data_dir) {
  const TaskRules& rules = *c.rules;
  std::vector<fs::path> tried;
  auto found = [&](const fs::path& p) {
    tried.push_back(p);
    return fs::is_regular_file(p);
  };
  // 1. Explicit data files (dataset_kwargs.data_files), relative to the YAML, else to --data-dir.
  if (auto it = rules.data_files.find(split); it != rules.data_files.end()) {
    fs::path p = it->second;
    if (p.is_relative()) {
      if (data_dir && found(*data_dir / p)) return read_documents(*data_dir / p, split);
      p = rules.yaml_dir / p;
    }
    if (found(p)) return read_documents(p, split);
    throw UserError(c.source_file.string() + ": task '" + c.task + "': data file for split '" + split +
                    "' not found: " + p.string());
  }
  // 2. Snapshot layouts under --data-dir and under a local dataset_path.
  const std::string name = c.dataset_name.empty() ? c.task : c.dataset_name;
  std::vector<fs::path> roots;
  if (data_dir) {
    roots.push_back(*data_dir);
    if (!c.dataset_path.empty()) roots.push_back(*data_dir / c.dataset_path);
  }
  if (!c.dataset_path.empty() && c.dataset_path != "json") {
    fs::path p = c.dataset_path;
    if (p.is_relative()) p = rules.yaml_dir / p;
    if (fs::is_regular_file(p)) return read_documents(p, split);
    // A path that does not exist locally is a Hub dataset id (e.g. MERA-evaluation/MERA): --data-dir only.
    if (fs::is_directory(p)) roots.push_back(p);
  }
  for (const fs::path& root : roots) {
    for (const fs::path& p : {root / name / (split + ".jsonl"), root / "data" / name / (split + ".jsonl"),
                              root / name / (split + ".json"), root / "data" / name / (split + ".json"),
                              root / name / "task.json"}) {
      if (found(p)) return read_documents(p, split);
    }
  }
  std::string looked;
  for (const auto& p : tried) looked += (looked.empty() ? "" : ", ") + p.string();
  throw UserError(c.source_file.string() + ": task '" + c.task + "': no data for split '" + split + "'" +
                  (looked.empty() ? "" : "; looked for: " + looked) +
                  (data_dir ? "" : (c.dataset_path.empty() ? std::string(" (pass --data-dir)")
                                                           : " (dataset '" + c.dataset_path +
                                                                 "': pass --data-dir with a local snapshot of it)")));
}

}  // namespace evalrun::tasks
