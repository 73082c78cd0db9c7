#pragma once
#include <memory>

#include "backends/backend.h"

namespace evalrun::backends {

// Deterministic backend for the pipeline's own tests ("mock:<variant>"); only reachable when the
// environment variable EVALRUN_ENABLE_MOCK_BACKEND=1 is set, never a user-facing model.
std::unique_ptr<Backend> make_mock_backend(const BackendOptions& options);

}  // namespace evalrun::backends
