#pragma once
#include <memory>

#include "backends/backend.h"

namespace evalrun::http {

// OpenAI-compatible HTTP backend (chat/completions); see backends/http/README in docs.
std::unique_ptr<backends::Backend> make_http_backend(const backends::BackendOptions& options);

}  // namespace evalrun::http
