#pragma once
// A model directory loaded for inference: config + spec + memory-mapped, validated weights.
#include <array>
#include <filesystem>
#include <memory>
#include <vector>

#include "backends/model/model_spec.h"
#include "backends/model/safetensors.h"

namespace evalrun::model {

struct HostWeight {
  const void* data = nullptr;  // nullptr: absent (optional tensor not in this architecture)
  WeightDType dtype = WeightDType::kF32;
  int64_t rows = 0;
  int64_t cols = 0;
  explicit operator bool() const { return data != nullptr; }
};

constexpr size_t kNumRoles = static_cast<size_t>(WeightRole::kDownBias) + 1;

struct ModelWeights {
  ModelSpec spec;
  std::shared_ptr<SafetensorsSet> files;  // keeps the mappings alive
  HostWeight embed, final_norm, lm_head;   // lm_head == embed when tied
  std::vector<std::array<HostWeight, kNumRoles>> layers;  // indexed by WeightRole
  size_t bytes = 0;  // total checkpoint bytes used

  const HostWeight& layer(int l, WeightRole r) const { return layers[l][static_cast<size_t>(r)]; }
};

// Loads <dir>/config.json and the safetensors, validating every tensor against the spec (missing,
// unexpected, shape and dtype) before returning. Throws a one-line UserError naming file and tensor.
ModelWeights load_model_weights(const std::filesystem::path& dir);

}  // namespace evalrun::model
