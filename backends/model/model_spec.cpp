#include "backends/model/model_spec.h"

namespace evalrun::model {

namespace {

void add(ModelSpec& s, std::string name, WeightRole role, int layer, std::vector<int64_t> shape) {
  TensorSpec t;
  t.name = std::move(name);
  t.role = role;
  t.layer = layer;
  t.shape = shape;
  if (shape.size() == 1) {
    t.rows = 1;
    t.cols = shape[0];
  } else {
    t.rows = shape[0];
    t.cols = shape[1];
  }
  s.tensors.push_back(std::move(t));
}

}  // namespace

ModelSpec make_model_spec(const ModelConfig& c) {
  ModelSpec s;
  s.config = c;
  const int64_t h = c.hidden_size, q = int64_t{c.num_heads} * c.head_dim, kv = int64_t{c.num_kv_heads} * c.head_dim;
  const int64_t inter = c.intermediate_size, vocab = c.vocab_size;
  add(s, "model.embed_tokens.weight", WeightRole::kEmbed, -1, {vocab, h});
  for (int l = 0; l < c.num_layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    add(s, p + "input_layernorm.weight", WeightRole::kInputNorm, l, {h});
    add(s, p + "self_attn.q_proj.weight", WeightRole::kQ, l, {q, h});
    add(s, p + "self_attn.k_proj.weight", WeightRole::kK, l, {kv, h});
    add(s, p + "self_attn.v_proj.weight", WeightRole::kV, l, {kv, h});
    add(s, p + "self_attn.o_proj.weight", WeightRole::kO, l, {h, q});
    if (c.attention_bias) {
      add(s, p + "self_attn.q_proj.bias", WeightRole::kQBias, l, {q});
      add(s, p + "self_attn.k_proj.bias", WeightRole::kKBias, l, {kv});
      add(s, p + "self_attn.v_proj.bias", WeightRole::kVBias, l, {kv});
    }
    if (c.o_bias) add(s, p + "self_attn.o_proj.bias", WeightRole::kOBias, l, {h});
    if (c.qk_norm) {
      add(s, p + "self_attn.q_norm.weight", WeightRole::kQNorm, l, {c.head_dim});
      add(s, p + "self_attn.k_norm.weight", WeightRole::kKNorm, l, {c.head_dim});
    }
    add(s, p + "post_attention_layernorm.weight", WeightRole::kPostNorm, l, {h});
    add(s, p + "mlp.gate_proj.weight", WeightRole::kGate, l, {inter, h});
    add(s, p + "mlp.up_proj.weight", WeightRole::kUp, l, {inter, h});
    add(s, p + "mlp.down_proj.weight", WeightRole::kDown, l, {h, inter});
    if (c.mlp_bias) {
      add(s, p + "mlp.gate_proj.bias", WeightRole::kGateBias, l, {inter});
      add(s, p + "mlp.up_proj.bias", WeightRole::kUpBias, l, {inter});
      add(s, p + "mlp.down_proj.bias", WeightRole::kDownBias, l, {h});
    }
  }
  add(s, "model.norm.weight", WeightRole::kFinalNorm, -1, {h});
  if (!c.tie_word_embeddings) add(s, "lm_head.weight", WeightRole::kLmHead, -1, {vocab, h});
  return s;
}

bool is_ignorable_tensor(const ModelSpec& spec, const std::string& name) {
  if (name.size() > 22 && name.ends_with("rotary_emb.inv_freq")) return true;
  return spec.config.tie_word_embeddings && name == "lm_head.weight";
}

}  // namespace evalrun::model
