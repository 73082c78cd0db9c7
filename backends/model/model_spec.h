#pragma once
// The model spec: the one transformer's tensors and flags, derived from config.json. Architecture
// differences (biases, q/k norm, tied embeddings, windows) are data here; the engine has one forward.
#include <cstdint>
#include <string>
#include <vector>

#include "backends/model/model_config.h"

namespace evalrun::model {

// Where a tensor goes in the forward pass.
enum class WeightRole : uint8_t {
  kEmbed, kFinalNorm, kLmHead,
  kInputNorm, kQ, kK, kV, kO, kQBias, kKBias, kVBias, kOBias, kQNorm, kKNorm,
  kPostNorm, kGate, kUp, kDown, kGateBias, kUpBias, kDownBias,
};

struct TensorSpec {
  std::string name;  // HF checkpoint name, e.g. "model.layers.3.self_attn.q_proj.weight"
  WeightRole role;
  int layer = -1;    // -1 for model-level tensors
  int64_t rows = 1;  // 1-D tensors are [1, n]
  int64_t cols = 0;
  std::vector<int64_t> shape;  // the shape expected in the file
};

struct ModelSpec {
  ModelConfig config;
  std::vector<TensorSpec> tensors;  // every tensor the checkpoint must hold
};

ModelSpec make_model_spec(const ModelConfig& config);

// Checkpoint tensors that are present in some HF checkpoints but unused (e.g. rotary inv_freq buffers,
// lm_head.weight beside tied embeddings).
bool is_ignorable_tensor(const ModelSpec& spec, const std::string& name);

}  // namespace evalrun::model
