#include "backends/model/model_config.h"

#include <fstream>
#include <set>

#include "common/errors.h"

namespace evalrun::model {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Reader {
  const json& j;
  const std::string& origin;

  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    throw UserError(origin + ": field '" + field + "': " + what);
  }
  bool has(const char* k) const { return j.contains(k) && !j[k].is_null(); }
  int int_req(const char* k) const {
    if (!has(k)) fail(k, "required (a positive integer)");
    return int_val(k);
  }
  int int_val(const char* k) const {
    const json& v = j[k];
    if (!v.is_number_integer() || v.get<int64_t>() <= 0 || v.get<int64_t>() > (1ll << 31) - 1)
      fail(k, "expected a positive integer, got " + v.dump());
    return v.get<int>();
  }
  int int_or(const char* k, int def) const { return has(k) ? int_val(k) : def; }
  double num_or(const char* k, double def) const {
    if (!has(k)) return def;
    if (!j[k].is_number()) fail(k, "expected a number, got " + j[k].dump());
    return j[k].get<double>();
  }
  bool bool_or(const char* k, bool def) const {
    if (!has(k)) return def;
    if (!j[k].is_boolean()) fail(k, "expected true or false, got " + j[k].dump());
    return j[k].get<bool>();
  }
  std::string str_or(const char* k, const std::string& def) const {
    if (!has(k)) return def;
    if (!j[k].is_string()) fail(k, "expected a string, got " + j[k].dump());
    return j[k].get<std::string>();
  }
};

}  // namespace

ModelConfig parse_model_config(const json& j, const std::string& origin) {
  if (!j.is_object()) throw UserError(origin + ": expected a JSON object");
  Reader r{j, origin};
  ModelConfig c;
  if (!j.contains("architectures") || !j["architectures"].is_array() || j["architectures"].empty() ||
      !j["architectures"][0].is_string())
    r.fail("architectures", "expected a list naming the model class, e.g. [\"LlamaForCausalLM\"]");
  c.architecture = j["architectures"][0].get<std::string>();
  static const std::set<std::string> kSupported = {"LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM",
                                                   "Qwen3ForCausalLM"};
  if (!kSupported.count(c.architecture))
    r.fail("architectures", "unsupported architecture " + c.architecture +
                                " (supported: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM)");
  c.model_type = r.str_or("model_type", "");
  c.hidden_size = r.int_req("hidden_size");
  c.intermediate_size = r.int_req("intermediate_size");
  c.num_layers = r.int_req("num_hidden_layers");
  c.num_heads = r.int_req("num_attention_heads");
  c.num_kv_heads = r.int_or("num_key_value_heads", c.num_heads);
  c.vocab_size = r.int_req("vocab_size");
  if (r.has("head_dim")) {
    c.head_dim = r.int_val("head_dim");
  } else {
    if (c.hidden_size % c.num_heads) r.fail("num_attention_heads", "must divide hidden_size when head_dim is absent");
    c.head_dim = c.hidden_size / c.num_heads;
  }
  if (c.head_dim % 2) r.fail("head_dim", "must be even for rotary embeddings");
  if (c.num_heads % c.num_kv_heads)
    r.fail("num_key_value_heads", "must divide num_attention_heads (" + std::to_string(c.num_heads) + ")");
  c.rms_norm_eps = r.num_or("rms_norm_eps", 1e-6);
  c.rope_theta = r.num_or("rope_theta", 10000.0);
  c.max_position_embeddings = r.int_or("max_position_embeddings", 2048);
  c.tie_word_embeddings = r.bool_or("tie_word_embeddings", false);
  c.hidden_act = r.str_or("hidden_act", "silu");
  if (c.hidden_act != "silu") r.fail("hidden_act", "only silu (SwiGLU) is supported, got " + c.hidden_act);
  c.torch_dtype = r.str_or("torch_dtype", r.str_or("dtype", ""));

  if (r.has("rope_scaling")) {
    const json& rs = j["rope_scaling"];
    if (!rs.is_object()) r.fail("rope_scaling", "expected an object or null");
    Reader s{rs, origin};
    std::string type = s.str_or("rope_type", s.str_or("type", "default"));
    c.rope_scaling.type = type;
    if (type == "default") {
    } else if (type == "linear") {
      c.rope_scaling.factor = s.num_or("factor", 1.0);
    } else if (type == "llama3") {
      c.rope_scaling.factor = s.num_or("factor", 8.0);
      c.rope_scaling.low_freq_factor = s.num_or("low_freq_factor", 1.0);
      c.rope_scaling.high_freq_factor = s.num_or("high_freq_factor", 4.0);
      c.rope_scaling.original_max_position_embeddings = s.int_or("original_max_position_embeddings", 8192);
    } else {
      r.fail("rope_scaling", "unsupported rope type '" + type + "' (supported: default, linear, llama3)");
    }
    if (c.rope_scaling.factor <= 0) r.fail("rope_scaling", "factor must be positive");
  }

  // Architecture differences, as data.
  const bool qwen2 = c.architecture == "Qwen2ForCausalLM", qwen3 = c.architecture == "Qwen3ForCausalLM";
  const bool llama = c.architecture == "LlamaForCausalLM", mistral = c.architecture == "MistralForCausalLM";
  if (qwen2) {
    c.attention_bias = true;  // Qwen2 always has q/k/v bias, never o bias
  } else if (qwen3) {
    c.attention_bias = r.bool_or("attention_bias", false);
    c.o_bias = c.attention_bias;
    c.qk_norm = true;
  } else if (llama) {
    c.attention_bias = r.bool_or("attention_bias", false);
    c.o_bias = c.attention_bias;
    c.mlp_bias = r.bool_or("mlp_bias", false);
  }
  c.layer_window.assign(c.num_layers, 0);
  if (mistral) {
    if (r.has("sliding_window")) c.layer_window.assign(c.num_layers, r.int_val("sliding_window"));
  } else if (qwen2 || qwen3) {
    if (r.bool_or("use_sliding_window", false) && r.has("sliding_window")) {
      int window = r.int_val("sliding_window");
      int first = r.int_or("max_window_layers", c.num_layers);
      if (r.has("layer_types")) {
        const json& lt = j["layer_types"];
        if (!lt.is_array() || static_cast<int>(lt.size()) != c.num_layers)
          r.fail("layer_types", "expected one entry per layer");
        for (int i = 0; i < c.num_layers; ++i)
          c.layer_window[i] = lt[i] == "sliding_attention" ? window : 0;
      } else {
        for (int i = first; i < c.num_layers; ++i) c.layer_window[i] = window;
      }
    }
  }
  if (r.has("bos_token_id")) {
    if (!j["bos_token_id"].is_number_integer()) r.fail("bos_token_id", "expected an integer");
    c.bos_token_id = j["bos_token_id"].get<int>();
  }
  if (r.has("eos_token_id")) {
    const json& e = j["eos_token_id"];
    if (e.is_number_integer()) {
      c.eos_token_ids.push_back(e.get<int>());
    } else if (e.is_array()) {
      for (auto& x : e) {
        if (!x.is_number_integer()) r.fail("eos_token_id", "expected an integer or a list of integers");
        c.eos_token_ids.push_back(x.get<int>());
      }
    } else {
      r.fail("eos_token_id", "expected an integer or a list of integers");
    }
  }
  return c;
}

ModelConfig load_model_config(const fs::path& path) {
  if (!fs::exists(path)) throw UserError(path.string() + ": missing (expected a Hugging Face config.json)");
  std::ifstream in(path);
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception& e) {
    throw UserError(path.string() + ": not valid JSON: " + e.what());
  }
  return parse_model_config(j, path.string());
}

}  // namespace evalrun::model
