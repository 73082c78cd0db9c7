#pragma once
// Rotary embedding frequencies (HF "default", "linear" and "llama3" rope types), computed on the host
// so devices only see per-row cos/sin tables.
#include <cstdint>
#include <span>
#include <vector>

#include "backends/model/model_config.h"

namespace evalrun::engine {

// inv_freq[j] for j < head_dim/2, in fp32 like transformers' _compute_*_rope_parameters.
std::vector<float> rope_inv_freq(const model::ModelConfig& config);

// cos/sin [positions.size(), inv_freq.size()] row-major: angle = fp32(inv_freq[j] * position).
void rope_tables(std::span<const float> inv_freq, std::span<const int32_t> positions, float* cos_out,
                 float* sin_out);

}  // namespace evalrun::engine
