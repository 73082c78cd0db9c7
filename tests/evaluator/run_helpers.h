#pragma once
// Helpers for end-to-end tests through the evalrun binary (EVALRUN_EXE) with the mock backend.
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace evaltest {

namespace fs = std::filesystem;

struct Outcome {
  int rc = -1;
  std::string out, err;
};

inline std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline fs::path fresh_dir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("evalrun_e2e_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

inline std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The evaluator fixtures: tiny tasks under tests/fixtures/evaluator (independent of the MERA tasks).
inline std::string fixture_flags() {
  const std::string base = std::string(EVALRUN_SOURCE_DIR) + "/tests/fixtures/evaluator";
  return " --include-path " + quote(base + "/tasks") + " --data-dir " + quote(base + "/data");
}

inline std::string command(const std::string& args, const std::string& env = "") {
  // Runs of the fixture tasks see no built-in task: the pipeline tests depend on no shipped YAML.
  std::string isolate;
  if (args.find("/tests/fixtures/evaluator/tasks") != std::string::npos)
    isolate = "EVALRUN_TASKS_DIR=" + quote(std::string(EVALRUN_SOURCE_DIR) + "/tests/fixtures/evaluator/no_builtin_tasks") + " ";
  return "env EVALRUN_ENABLE_MOCK_BACKEND=1 " + isolate + env + " " + quote(EVALRUN_EXE) + " " + args;
}

inline Outcome run(const std::string& args, const std::string& env = "") {
  static int counter = 0;
  const fs::path dir = fs::temp_directory_path();
  const std::string tag = std::to_string(::getpid()) + "_" + std::to_string(counter++);
  const fs::path out = dir / ("evalrun_out_" + tag), err = dir / ("evalrun_err_" + tag);
  const std::string cmd = command(args, env) + " >" + quote(out.string()) + " 2>" + quote(err.string());
  const int status = std::system(cmd.c_str());
  Outcome o;
  o.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  o.out = slurp(out);
  o.err = slurp(err);
  fs::remove(out);
  fs::remove(err);
  return o;
}

inline size_t count_lines(const fs::path& path) {
  std::ifstream in(path);
  size_t n = 0;
  std::string line;
  while (std::getline(in, line)) n += !line.empty();
  return n;
}

inline std::vector<nlohmann::json> read_jsonl(const fs::path& path) {
  std::ifstream in(path);
  std::vector<nlohmann::json> out;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

inline nlohmann::json read_json(const fs::path& path) { return nlohmann::json::parse(slurp(path)); }

}  // namespace evaltest
