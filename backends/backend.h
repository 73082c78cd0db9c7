#pragma once
// The Backend interface: what the evaluator sends to a model, whatever runs it (in-process engine on
// CPU/CUDA, or an HTTP server). Requests are grouped per document so a backend can share prefixes.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace evalrun::model {
class Tokenizer;
}
namespace evalrun::templates {
class ChatTemplate;
}

namespace evalrun::backends {

struct ChatMessage {
  std::string role;  // "system" | "user" | "assistant"
  std::string content;
};

// One multiple-choice document (or one loglikelihood request when continuations has one entry):
// the context is computed once and every continuation is scored after it.
struct ChoiceGroup {
  std::string context;
  std::vector<std::string> continuations;
};

struct ContinuationScore {
  double logprob = 0.0;   // sum of log p(continuation tokens | context, earlier continuation tokens)
  bool is_greedy = false; // every continuation token is the argmax at its position
  int n_tokens = 0;
};

struct RollingScore {
  double logprob = 0.0;  // total log-likelihood of the text (lm-eval disjoint rolling windows)
  int n_tokens = 0;
};

struct GenerationRequest {
  std::string prompt;                 // plain-text prompt (completions style / no chat template)
  std::vector<ChatMessage> messages;  // non-empty in chat mode; backends with a chat template render it
  std::vector<std::string> until;     // stop strings (the output is cut before the first one)
  int max_tokens = 256;
  double temperature = 0.0;           // 0 = greedy
  double top_p = 1.0;
  uint64_t seed = 1234;
  int n = 1;                          // number of samples (repeats / pass@k)
  nlohmann::json extra = nlohmann::json::object();  // extra body fields for HTTP backends
};

struct GenerationResult {
  std::vector<std::string> texts;  // n entries
};

// Results are delivered through callbacks as they become available (so the evaluator can commit each
// to the cache at once); callbacks are called from the thread that called the method, one at a time,
// with the index of the request in the input vector. Errors are thrown (UserError for bad input).
using ScoreCallback = std::function<void(size_t index, std::vector<ContinuationScore> scores)>;
using RollingCallback = std::function<void(size_t index, RollingScore score)>;
using GenerationCallback = std::function<void(size_t index, GenerationResult result)>;

class Backend {
 public:
  virtual ~Backend() = default;

  // Identifies model + weights + tokenizer + backend settings; part of every cache key.
  virtual std::string fingerprint() const = 0;
  // Short human-readable name for results.json ("cpu:/path/model", "api:gpt-4o", ...).
  virtual std::string name() const = 0;

  // Whether score()/score_rolling() work; when false they throw a UserError explaining why.
  virtual bool supports_loglikelihood() const = 0;

  virtual void score(const std::vector<ChoiceGroup>& groups, const ScoreCallback& done) = 0;
  virtual void score_rolling(const std::vector<std::string>& texts, const RollingCallback& done) = 0;
  virtual void generate(const std::vector<GenerationRequest>& requests, const GenerationCallback& done) = 0;

  // The model's tokenizer and chat template where the backend has them (nullptr otherwise).
  virtual const model::Tokenizer* tokenizer() const { return nullptr; }
  virtual const templates::ChatTemplate* chat_template() const { return nullptr; }
  // Maximum context length in tokens, when known.
  virtual std::optional<int> max_length() const { return std::nullopt; }
};

// Settings common to all backends, from the CLI.
struct BackendOptions {
  std::string model;       // HF model directory, or "api:<name>"
  std::string backend = "auto";  // auto | cpu | cuda | api
  int batch_size = 0;      // 0 = backend default
  int threads = 0;         // 0 = all cores
  // HTTP
  std::string base_url;
  std::string api = "chat";  // chat | completions
  std::string api_key_env = "OPENAI_API_KEY";
  std::vector<std::string> headers;
  double request_timeout_s = 120.0;
  int concurrency = 8;
  int max_retries = 8;
  double requests_per_minute = 0;  // 0 = unlimited
  double tokens_per_minute = 0;
  std::string tokenizer_path;      // local tokenizer for API log-likelihood
  int max_stop_strings = 4;        // stop strings sent to the server (OpenAI: 4); the rest cut client-side
  double retry_base_delay_s = 1.0; // exponential backoff base (doubles per failed attempt, jittered)
  double retry_max_delay_s = 60.0; // cap of one backoff delay
  std::string dtype = "auto";      // engine: auto | f32 | bf16
};

// Creates the backend the options ask for (factory lives in backends/factory.cpp).
std::unique_ptr<Backend> make_backend(const BackendOptions& options);

}  // namespace evalrun::backends
