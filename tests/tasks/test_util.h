#pragma once
// Helpers shared by the tasks tests.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backends/backend.h"
#include "tasks/task.h"

namespace evalrun::tasks::testing {

inline std::filesystem::path source_dir() { return std::filesystem::path(EVALRUN_SOURCE_DIR); }
inline std::filesystem::path fixtures() { return source_dir() / "tests" / "fixtures" / "tasks"; }

inline nlohmann::json read_json(const std::filesystem::path& p) {
  std::ifstream in(p);
  return nlohmann::json::parse(in);
}

// Registry options reading the MERA-format fixture data.
inline RegistryOptions mera_fixture_options() {
  RegistryOptions o;
  o.data_dir = fixtures() / "mera";
  return o;
}

inline nlohmann::json messages_json(const std::vector<backends::ChatMessage>& messages) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& m : messages) out.push_back({{"role", m.role}, {"content", m.content}});
  return out;
}

// A fresh temporary folder, removed by the destructor.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "evalrun_tasks_XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path write(const std::string& name, const std::string& text) const {
    const auto p = path_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace evalrun::tasks::testing
