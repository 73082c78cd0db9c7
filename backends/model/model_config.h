#pragma once
// config.json of a Hugging Face causal LM (Llama, Mistral, Qwen2, Qwen3 families), parsed and validated.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace evalrun::model {

struct RopeScaling {
  std::string type = "default";  // default | linear | llama3
  double factor = 1.0;
  double low_freq_factor = 1.0;     // llama3
  double high_freq_factor = 4.0;    // llama3
  int original_max_position_embeddings = 8192;  // llama3
};

struct ModelConfig {
  std::string architecture;  // e.g. "LlamaForCausalLM"
  std::string model_type;    // e.g. "llama"
  int hidden_size = 0;
  int intermediate_size = 0;
  int num_layers = 0;
  int num_heads = 0;
  int num_kv_heads = 0;
  int head_dim = 0;
  int vocab_size = 0;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  RopeScaling rope_scaling;
  bool attention_bias = false;  // bias on q/k/v (and o for Llama's attention_bias)
  bool o_bias = false;
  bool mlp_bias = false;
  bool qk_norm = false;         // Qwen3: RMSNorm over head_dim on q and k before rope
  bool tie_word_embeddings = false;
  std::vector<int> layer_window;  // per layer sliding window (0 = full attention)
  int max_position_embeddings = 2048;
  std::optional<int> bos_token_id;
  std::vector<int> eos_token_ids;
  std::string torch_dtype;
  std::string hidden_act = "silu";
};

// Throws UserError "<path>: field '<name>': expected ..." on missing/invalid fields or unsupported models.
ModelConfig load_model_config(const std::filesystem::path& config_json);
ModelConfig parse_model_config(const nlohmann::json& j, const std::string& origin);

}  // namespace evalrun::model
