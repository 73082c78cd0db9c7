#pragma once
// The fake model behind fake_openai_server: deterministic answers derived from the prompt, so runs with
// and without faults can be compared byte for byte.
//
// Answer rules (documented in docs/http.md):
//  - a prompt containing ECHO[text] answers `text` (the last such marker);
//  - a prompt containing NULLCONTENT answers with content null (chat) / text null (completions);
//  - otherwise "<1|2> <six words from a fixed list>", picked by an FNV-1a hash of the prompt (and of the
//    seed and choice index when temperature > 0).
//  The answer is then cut to max_tokens whitespace-separated words and before the earliest stop string.
//
// Prompt log-probabilities (completions + echo): a text prompt is split into tokens of "leading
// whitespace + non-whitespace run"; token t has log-prob -0.25 * code_points(t); it is the greedy token
// when its first non-space character is an ASCII lowercase letter. A token-id prompt gives tokens
// "<id>" with log-prob -0.1 * (id % 10 + 1), greedy when id is even. The first token's log-prob is null.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace fake_openai {

uint64_t fnv1a(const std::string& data, uint64_t seed = 1469598103934665603ULL);

struct ModelSettings {
  int max_n = 0;                 // > 0: at most this many choices per response
  int max_stop = 0;              // > 0: 400 when more stop strings arrive
  bool reject_max_tokens_zero = false;
  bool no_logprobs = false;      // echo requests get "logprobs": null
};

struct ModelReply {
  int status = 200;
  std::string body;
};

// Answers one POST to /v1/chat/completions (chat=true) or /v1/completions.
ModelReply answer(const nlohmann::json& request, bool chat, const ModelSettings& settings);

}  // namespace fake_openai
