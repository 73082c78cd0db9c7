#pragma once
// The OpenAI wire format: request bodies for /chat/completions and /completions, and response parsing.
// Parsing failures that a retry may cure (truncated or invalid JSON, missing fields) throw
// MalformedResponse; the backend turns them into retries.
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "backends/backend.h"

namespace evalrun::http {

enum class Api { kChat, kCompletions };

class MalformedResponse : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Body for generation. `n` and `seed` are given separately because follow-up requests ask for the
// remaining choices with a shifted seed. At most `max_stop` stop strings are sent (0 = all); the
// caller cuts the rest client-side. Fields of request.extra override (a null value deletes a field).
nlohmann::json build_generation_body(Api api, const std::string& model, const backends::GenerationRequest& request,
                                     int n, uint64_t seed, int max_stop);

// The choices' texts in index order (null content -> ""). Throws MalformedResponse on a body that is
// not JSON, has no "choices" array, or an empty one.
std::vector<std::string> parse_generation(Api api, std::string_view body);

// Cuts text before the earliest occurrence of any stop string (empty stop strings are ignored).
std::string cut_at_stop(std::string text, const std::vector<std::string>& until);

// Prompt log-probabilities of a /completions response with echo=true.
struct PromptLogprobs {
  std::vector<std::string> tokens;
  std::vector<std::optional<double>> logprobs;     // null for the first token on most servers
  std::vector<long> text_offset;                   // code-point offsets into the echoed text (may be empty)
  std::vector<std::optional<double>> top_max;      // max of top_logprobs at each position, when given
};

// Body for scoring: echo + logprobs=1 + max_tokens (0, or 1 when the server rejects 0).
// `prompt` is a string or an array of token ids.
nlohmann::json build_score_body(const std::string& model, nlohmann::json prompt, int max_tokens,
                                const nlohmann::json& extra);

// Throws MalformedResponse for unparsable bodies; returns nullopt when the response is well formed but
// carries no prompt log-probabilities (the server does not support echo+logprobs).
std::optional<PromptLogprobs> parse_prompt_logprobs(std::string_view body);

// Number of Unicode code points in UTF-8 text (servers report text offsets in code points).
size_t count_code_points(std::string_view utf8);

}  // namespace evalrun::http
