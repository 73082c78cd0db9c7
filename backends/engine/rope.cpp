#include "backends/engine/rope.h"

#include <cmath>

namespace evalrun::engine {

std::vector<float> rope_inv_freq(const model::ModelConfig& c) {
  const int half = c.head_dim / 2;
  std::vector<float> inv(half);
  for (int j = 0; j < half; ++j) {
    const float exponent = static_cast<float>(2 * j) / static_cast<float>(c.head_dim);
    inv[j] = 1.0f / std::pow(static_cast<float>(c.rope_theta), exponent);
  }
  const auto& rs = c.rope_scaling;
  if (rs.type == "linear") {
    for (auto& f : inv) f = static_cast<float>(f / rs.factor);
  } else if (rs.type == "llama3") {
    const double old_len = rs.original_max_position_embeddings;
    const double low_wavelen = old_len / rs.low_freq_factor, high_wavelen = old_len / rs.high_freq_factor;
    for (auto& f : inv) {
      const double wavelen = 2 * M_PI / f;
      if (wavelen < high_wavelen) continue;  // high frequency: unchanged
      if (wavelen > low_wavelen) {
        f = static_cast<float>(f / rs.factor);
      } else {
        const double smooth = (old_len / wavelen - rs.low_freq_factor) / (rs.high_freq_factor - rs.low_freq_factor);
        f = static_cast<float>((1 - smooth) * f / rs.factor + smooth * f);
      }
    }
  }
  return inv;
}

void rope_tables(std::span<const float> inv_freq, std::span<const int32_t> positions, float* cos_out,
                 float* sin_out) {
  const size_t half = inv_freq.size();
  for (size_t r = 0; r < positions.size(); ++r) {
    const float pos = static_cast<float>(positions[r]);
    for (size_t j = 0; j < half; ++j) {
      const float angle = inv_freq[j] * pos;  // fp32 product, as transformers computes it
      cos_out[r * half + j] = static_cast<float>(std::cos(static_cast<double>(angle)));
      sin_out[r * half + j] = static_cast<float>(std::sin(static_cast<double>(angle)));
    }
  }
}

}  // namespace evalrun::engine
