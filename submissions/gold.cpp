// Test-split documents in MERA's layouts: <dir>/<task>/test.jsonl (Hugging Face snapshot), <dir>/<task>/
// test.json ({"data": {"test": [...]}} or a list), or the site's <dir>/<Class>/task.json.
#include <fstream>

#include "common/errors.h"
#include "submissions/mera.h"

namespace evalrun::submissions {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::vector<json> read_jsonl(const fs::path& path) {
  std::ifstream in(path);
  std::vector<json> out;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      out.push_back(json::parse(line));
    } catch (const json::exception&) {
      throw UserError(located(path.string(), number, "not a JSON line"));
    }
  }
  return out;
}

std::vector<json> read_json_docs(const fs::path& path) {
  std::ifstream in(path);
  json value;
  try {
    value = json::parse(in);
  } catch (const json::exception& e) {
    throw UserError(path.string() + ": not valid JSON (" + e.what() + ")");
  }
  if (value.is_object() && value.contains("data") && value["data"].is_object() && value["data"].contains("test"))
    value = value["data"]["test"];
  if (!value.is_array()) throw UserError(path.string() + ": expected a list of documents or {\"data\": {\"test\": [...]}}");
  std::vector<json> out;
  for (auto& d : value) {
    // ruTiE's site file nests dialogues: flatten them.
    if (d.is_array())
      for (auto& q : d) out.push_back(q);
    else
      out.push_back(d);
  }
  return out;
}

}  // namespace

std::vector<json> load_test_docs(const fs::path& dir, const MeraTask& task) {
  for (const auto& sub : {task.src, task.cls}) {
    if (fs::exists(dir / sub / "test.jsonl")) return read_jsonl(dir / sub / "test.jsonl");
    if (fs::exists(dir / sub / "test.json")) return read_json_docs(dir / sub / "test.json");
    if (fs::exists(dir / sub / "task.json")) return read_json_docs(dir / sub / "task.json");
  }
  return {};
}

std::vector<json> load_gold(const fs::path& dir, const MeraTask& task) {
  std::vector<json> docs = load_test_docs(dir, task);
  bool any = false;
  for (const auto& d : docs) {
    if (!d.is_object() || !d.contains("outputs")) continue;
    const json& o = d["outputs"];
    if ((o.is_string() && !o.get<std::string>().empty()) || (o.is_array() && !o.empty()) ||
        (o.is_object() && !o.empty()))
      any = true;
  }
  if (!any) docs.clear();  // the public test split ships without answers
  return docs;
}

}  // namespace evalrun::submissions
