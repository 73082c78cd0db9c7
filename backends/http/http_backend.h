#pragma once
#include <memory>

#include "backends/backend.h"

namespace evalrun::http {

// OpenAI-compatible HTTP backend (/chat/completions or /completions); see docs/http.md.
// Generation works with both APIs; log-likelihood (score, score_rolling) only with --api completions on
// servers that echo prompt log-probabilities (vLLM, OpenAI legacy style).
std::unique_ptr<backends::Backend> make_http_backend(const backends::BackendOptions& options);

}  // namespace evalrun::http
