#pragma once
#include <filesystem>
#include <memory>

#include "backends/backend.h"
#include "backends/engine/transformer.h"

namespace evalrun::engine {

enum class DeviceKind { kCpu, kCuda };

// The in-process transformer engine over a Hugging Face model directory.
std::unique_ptr<backends::Backend> make_engine_backend(const backends::BackendOptions& options, DeviceKind device);

// Whether a usable CUDA device is present (false when built without CUDA).
bool cuda_available();

// Loads and validates a model directory (config.json + safetensors; no tokenizer) onto a device.
// threads: CPU threads (0 = all cores). dtype: "auto" | "bf16" (CPU: weights stay as stored, tiles
// converted on the fly) or "f32" (CPU: weights converted to fp32 at load; faster decoding, 2x memory).
std::unique_ptr<Transformer> load_transformer(const std::filesystem::path& model_dir, DeviceKind device,
                                              int threads = 0, TransformerOptions options = {},
                                              const std::string& dtype = "auto");

}  // namespace evalrun::engine
