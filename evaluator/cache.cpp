#include "evaluator/cache.h"

#include <sqlite3.h>

#include "common/errors.h"
#include "common/hash.h"

namespace evalrun::evaluator {
namespace {

// The key is a digest so the index stays small; the request text is kept for inspection and to rule
// out digest collisions on lookup.
std::string key_of(const std::string& fingerprint, const std::string& kind, const std::string& request) {
  return sha256_hex(fingerprint + '\0' + kind + '\0' + request);
}

}  // namespace

Cache::Cache(const std::filesystem::path& path) : path_(path) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    const std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw UserError("--cache " + path.string() + ": cannot open the SQLite cache: " + msg);
  }
  sqlite3_busy_timeout(db_, 10000);
  const char* setup =
      "PRAGMA journal_mode=WAL;"
      "PRAGMA synchronous=NORMAL;"
      "CREATE TABLE IF NOT EXISTS responses ("
      "  key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, kind TEXT NOT NULL,"
      "  request TEXT NOT NULL, response TEXT NOT NULL, created REAL DEFAULT (julianday('now')));";
  char* err = nullptr;
  if (sqlite3_exec(db_, setup, nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    sqlite3_close(db_);
    db_ = nullptr;
    throw UserError("--cache " + path.string() + ": not a usable evalrun cache: " + msg);
  }
  check(sqlite3_prepare_v2(db_, "SELECT request, response FROM responses WHERE key = ?1", -1, &get_, nullptr),
        "prepare get");
  check(sqlite3_prepare_v2(db_,
                           "INSERT OR REPLACE INTO responses (key, fingerprint, kind, request, response) "
                           "VALUES (?1, ?2, ?3, ?4, ?5)",
                           -1, &put_, nullptr),
        "prepare put");
}

Cache::~Cache() {
  sqlite3_finalize(get_);
  sqlite3_finalize(put_);
  if (db_) sqlite3_close(db_);
}

void Cache::check(int rc, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    throw UserError("--cache " + path_.string() + ": " + what + ": " + sqlite3_errmsg(db_));
}

std::optional<nlohmann::json> Cache::get(const std::string& fingerprint, const std::string& kind,
                                         const std::string& request) {
  const std::string key = key_of(fingerprint, kind, request);
  sqlite3_reset(get_);
  sqlite3_bind_text(get_, 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
  std::optional<nlohmann::json> out;
  const int rc = sqlite3_step(get_);
  if (rc == SQLITE_ROW) {
    const auto* stored = reinterpret_cast<const char*>(sqlite3_column_text(get_, 0));
    const auto* response = reinterpret_cast<const char*>(sqlite3_column_text(get_, 1));
    if (stored && response && request == stored) {
      try {
        out = nlohmann::json::parse(response);
      } catch (const nlohmann::json::exception&) {
        out.reset();  // a damaged row is recomputed, never trusted
      }
    }
  } else {
    check(rc, "lookup");
  }
  sqlite3_reset(get_);
  return out;
}

void Cache::put(const std::string& fingerprint, const std::string& kind, const std::string& request,
                const nlohmann::json& response) {
  const std::string key = key_of(fingerprint, kind, request);
  const std::string text = response.dump();
  sqlite3_reset(put_);
  sqlite3_bind_text(put_, 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(put_, 2, fingerprint.data(), static_cast<int>(fingerprint.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(put_, 3, kind.data(), static_cast<int>(kind.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(put_, 4, request.data(), static_cast<int>(request.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(put_, 5, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  check(sqlite3_step(put_), "store");  // autocommit: one durable transaction per response
  sqlite3_reset(put_);
}

size_t Cache::size() {
  sqlite3_stmt* stmt = nullptr;
  check(sqlite3_prepare_v2(db_, "SELECT COUNT(*) FROM responses", -1, &stmt, nullptr), "count");
  size_t n = 0;
  if (sqlite3_step(stmt) == SQLITE_ROW) n = static_cast<size_t>(sqlite3_column_int64(stmt, 0));
  sqlite3_finalize(stmt);
  return n;
}

}  // namespace evalrun::evaluator
