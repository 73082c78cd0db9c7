#pragma once
// Helpers for end-to-end tests that run the evalrun binary against fake_openai_server.
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace evalrun::http::testing {

namespace fs = std::filesystem;

struct CliOutcome {
  int rc = -1;
  std::string out, err;
};

inline std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

inline fs::path fresh_dir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("evalrun_http_e2e_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// `evalrun run` flags for parus_gen on the MERA fixture data against a server, writing to `dir`.
inline std::string parus_gen_args(const std::string& base_url, const fs::path& dir) {
  return "run --model api:fake-model --base-url " + shell_quote(base_url) + " --api chat --tasks parus_gen" +
         " --data-dir " + shell_quote(std::string(EVALRUN_SOURCE_DIR) + "/tests/fixtures/tasks/mera") +
         " --output-dir " + shell_quote(dir.string()) + " --log-samples --no-progress";
}

inline std::string evalrun_command(const std::string& args, const std::string& env = "") {
  return env + " " + shell_quote(EVALRUN_EXE) + " " + args;
}

inline CliOutcome run_evalrun(const std::string& args, const std::string& env = "") {
  static int counter = 0;
  const fs::path tmp = fs::temp_directory_path();
  const std::string tag = std::to_string(::getpid()) + "_" + std::to_string(counter++);
  const fs::path out = tmp / ("evalrun_http_out_" + tag), err = tmp / ("evalrun_http_err_" + tag);
  const std::string cmd =
      evalrun_command(args, env) + " >" + shell_quote(out.string()) + " 2>" + shell_quote(err.string());
  const int status = std::system(cmd.c_str());
  CliOutcome o;
  o.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  o.out = slurp(out);
  o.err = slurp(err);
  fs::remove(out);
  fs::remove(err);
  return o;
}

// True when evalrun says it does not know the task (the tasks pipeline is not there yet).
inline bool task_unknown(const CliOutcome& o) {
  return o.rc != 0 && o.err.find("parus_gen") != std::string::npos &&
         (o.err.find("unknown") != std::string::npos || o.err.find("no task") != std::string::npos ||
          o.err.find("not found") != std::string::npos);
}

// The predictions of a samples_<task>.jsonl: each line's responses (the rest may hold timings).
inline std::vector<std::string> predictions(const fs::path& samples) {
  std::vector<std::string> out;
  std::ifstream in(samples);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line);
    std::string key = j.contains("doc_id") ? j["doc_id"].dump() : "";
    if (j.contains("resps"))
      out.push_back(key + " " + j["resps"].dump() + " " + j.value("filtered_resps", nlohmann::json()).dump());
    else
      out.push_back(line);
  }
  return out;
}

inline size_t cached_rows(const fs::path& db_path) {
  if (!fs::exists(db_path)) return 0;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return 0;
  }
  sqlite3_busy_timeout(db, 2000);
  sqlite3_stmt* stmt = nullptr;
  size_t n = 0;
  if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM responses", -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW)
    n = static_cast<size_t>(sqlite3_column_int64(stmt, 0));
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return n;
}

}  // namespace evalrun::http::testing
