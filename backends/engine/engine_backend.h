#pragma once
#include <memory>

#include "backends/backend.h"

namespace evalrun::engine {

enum class DeviceKind { kCpu, kCuda };

// The in-process transformer engine over a Hugging Face model directory.
std::unique_ptr<backends::Backend> make_engine_backend(const backends::BackendOptions& options, DeviceKind device);

// Whether a usable CUDA device is present (false when built without CUDA).
bool cuda_available();

}  // namespace evalrun::engine
