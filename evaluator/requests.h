#pragma once
// Requests: what the backend is asked, deduplicated across documents and tasks by canonical JSON.
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backends/backend.h"
#include "tasks/task.h"

namespace evalrun::evaluator {

enum class RequestKind { kScore, kRolling, kGenerate };
const char* kind_name(RequestKind kind);

struct Request {
  RequestKind kind = RequestKind::kScore;
  std::string canonical;             // canonical JSON of the request (cache key part)
  backends::ChoiceGroup group;       // kScore
  std::string text;                  // kRolling
  backends::GenerationRequest generation;  // kGenerate
  size_t length = 0;                 // ordering key (longest first)
  nlohmann::json response;           // null until answered
};

// Requests in first-seen order; identical requests (same kind + canonical JSON) share one entry.
class RequestTable {
 public:
  size_t add(Request request);
  std::vector<Request>& requests() { return requests_; }
  const std::vector<Request>& requests() const { return requests_; }
  size_t duplicates() const { return duplicates_; }

 private:
  std::vector<Request> requests_;
  std::map<std::pair<RequestKind, std::string>, size_t> index_;
  size_t duplicates_ = 0;
};

// How one document's instance maps onto the request table.
struct DocWork {
  size_t doc_id = 0;
  tasks::Instance instance;
  std::string context;                 // the context actually sent (chat-rendered in chat mode)
  std::vector<size_t> requests;        // [0]: main request; [1]: unconditional (acc_mutual_info)
};

struct BuildOptions {
  bool chat = false;
  const backends::Backend* backend = nullptr;  // for the chat template
  nlohmann::json gen_kwargs = nlohmann::json::object();
  uint64_t seed = 1234;
  bool unconditional = false;          // add context-free requests for acc_mutual_info
};

// Turns an instance into requests (adding them to the table) and returns the document's work entry.
DocWork add_instance(const tasks::TaskConfig& config, tasks::Instance instance, const BuildOptions& options,
                     RequestTable& table);

// Backend responses as JSON (stored in the cache and in samples): score -> [[logprob, is_greedy, n]...],
// rolling -> [logprob, n], generate -> [text, ...].
nlohmann::json to_json(const std::vector<backends::ContinuationScore>& scores);
nlohmann::json to_json(const backends::RollingScore& score);
nlohmann::json to_json(const backends::GenerationResult& result);

}  // namespace evalrun::evaluator
