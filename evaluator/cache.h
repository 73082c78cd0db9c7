#pragma once
// Response cache: SQLite in WAL mode, keyed by (backend fingerprint, request kind, canonical request).
// Every response is committed as it arrives, so a killed run loses at most its in-flight requests.
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

struct sqlite3;
struct sqlite3_stmt;

namespace evalrun::evaluator {

class Cache {
 public:
  explicit Cache(const std::filesystem::path& path);
  ~Cache();
  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;

  std::optional<nlohmann::json> get(const std::string& fingerprint, const std::string& kind,
                                    const std::string& canonical_request);
  // Durable when it returns (its own transaction; WAL + synchronous=NORMAL survives a process kill).
  void put(const std::string& fingerprint, const std::string& kind, const std::string& canonical_request,
           const nlohmann::json& response);
  size_t size();
  const std::filesystem::path& path() const { return path_; }

 private:
  void check(int rc, const char* what);
  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* get_ = nullptr;
  sqlite3_stmt* put_ = nullptr;
};

}  // namespace evalrun::evaluator
