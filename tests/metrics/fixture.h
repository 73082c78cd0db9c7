#pragma once
// Loads a JSON fixture from tests/fixtures/metrics.
#include <fstream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace evalrun::metrics::testing {

inline nlohmann::json load_fixture(const std::string& name) {
  const std::string path = std::string(EVALRUN_SOURCE_DIR) + "/tests/fixtures/metrics/" + name;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open fixture " + path);
  return nlohmann::json::parse(in);
}

}  // namespace evalrun::metrics::testing
