// Bad model directories fail with one-line UserErrors naming the file and tensor, before any compute.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "backends/engine/rope.h"
#include "backends/engine/scoring.h"
#include "backends/model/safetensors.h"
#include "backends/model/weights.h"
#include "common/errors.h"
#include "engine_test_util.h"

namespace evalrun::engine {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using nlohmann::json;

std::string load_error(const fs::path& dir) {
  try {
    load_transformer(dir, DeviceKind::kCpu, 1);
  } catch (const UserError& e) {
    std::string m = e.what();
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    return m;
  }
  ADD_FAILURE() << "expected a UserError for " << dir;
  return "";
}

json read_json(const fs::path& p) {
  std::ifstream in(p);
  return json::parse(in);
}
void write_json(const fs::path& p, const json& j) { std::ofstream(p) << j.dump(); }

class BadModel : public ::testing::Test {
 protected:
  void SetUp() override {
    auto o = testing::tiny("qwen2");
    o.out = dir.path();
    make_test_model(o);
  }
  fs::path cfg() const { return dir.path() / "config.json"; }
  fs::path st() const { return dir.path() / "model.safetensors"; }
  TempDir dir;
};

TEST_F(BadModel, GoodModelLoads) { EXPECT_NO_THROW(load_transformer(dir.path(), DeviceKind::kCpu, 1)); }

TEST_F(BadModel, MissingConfig) {
  fs::remove(cfg());
  EXPECT_NE(load_error(dir.path()).find("config.json"), std::string::npos);
}

TEST_F(BadModel, CorruptConfig) {
  std::ofstream(cfg()) << "{not json";
  EXPECT_NE(load_error(dir.path()).find("not valid JSON"), std::string::npos);
}

TEST_F(BadModel, UnsupportedArchitecture) {
  auto j = read_json(cfg());
  j["architectures"] = {"GPT2LMHeadModel"};
  write_json(cfg(), j);
  EXPECT_NE(load_error(dir.path()).find("unsupported architecture GPT2LMHeadModel"), std::string::npos);
}

TEST_F(BadModel, MissingField) {
  auto j = read_json(cfg());
  j.erase("hidden_size");
  write_json(cfg(), j);
  EXPECT_NE(load_error(dir.path()).find("'hidden_size'"), std::string::npos);
}

TEST_F(BadModel, ShapeMismatch) {
  auto j = read_json(cfg());
  j["intermediate_size"] = 100;
  write_json(cfg(), j);
  const auto m = load_error(dir.path());
  EXPECT_NE(m.find("model.safetensors"), std::string::npos) << m;
  EXPECT_NE(m.find("mlp.gate_proj.weight"), std::string::npos) << m;
  EXPECT_NE(m.find("has shape"), std::string::npos) << m;
}

TEST_F(BadModel, MissingTensor) {
  auto j = read_json(cfg());
  j["num_hidden_layers"] = 3;
  write_json(cfg(), j);
  EXPECT_NE(load_error(dir.path()).find("'model.layers.2.input_layernorm.weight' missing"), std::string::npos);
}

TEST_F(BadModel, UnexpectedTensor) {
  auto j = read_json(cfg());
  j["num_hidden_layers"] = 1;
  write_json(cfg(), j);
  EXPECT_NE(load_error(dir.path()).find("unexpected tensor 'model.layers.1."), std::string::npos);
}

TEST_F(BadModel, TruncatedSafetensors) {
  fs::resize_file(st(), fs::file_size(st()) - 100);
  const auto m = load_error(dir.path());
  EXPECT_NE(m.find("model.safetensors"), std::string::npos) << m;
  EXPECT_NE(m.find("truncated"), std::string::npos) << m;
}

TEST_F(BadModel, TinyFile) {
  std::ofstream(st(), std::ios::trunc) << "abc";
  EXPECT_NE(load_error(dir.path()).find("truncated"), std::string::npos);
}

TEST_F(BadModel, UnsupportedDtype) {
  model::write_safetensors(st(), {{"x", model::WeightDType::kF32, {2}, std::string(8, '\0')}});
  // Patch the dtype string in place: F32 -> I32.
  std::fstream f(st(), std::ios::in | std::ios::out | std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(f)), {});
  all.replace(all.find("\"F32\""), 5, "\"I32\"");
  f.seekp(0);
  f.write(all.data(), static_cast<std::streamsize>(all.size()));
  f.close();
  EXPECT_NE(load_error(dir.path()).find("unsupported dtype I32"), std::string::npos);
}

TEST_F(BadModel, ShardedIndexWithMissingShard) {
  fs::rename(st(), dir.path() / "model-00001-of-00002.safetensors");
  json idx = {{"weight_map", {{"model.embed_tokens.weight", "model-00001-of-00002.safetensors"},
                              {"model.norm.weight", "model-00002-of-00002.safetensors"}}}};
  write_json(dir.path() / "model.safetensors.index.json", idx);
  EXPECT_NE(load_error(dir.path()).find("shard 'model-00002-of-00002.safetensors'"), std::string::npos);
}

TEST_F(BadModel, ShardedModelLoadsAndMatches) {
  // Split the single file into two shards + index: same results.
  auto ref = load_transformer(dir.path(), DeviceKind::kCpu, 1);
  auto set = model::SafetensorsSet::open(dir.path());
  std::vector<model::SafetensorsOut> a, b;
  json wm = json::object();
  int i = 0;
  for (auto& [name, e] : set->all()) {
    model::SafetensorsOut t{name, e->dtype, e->shape, std::string(static_cast<const char*>(e->data), e->bytes)};
    const bool first = i++ % 2 == 0;
    (first ? a : b).push_back(std::move(t));
    wm[name] = first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
  }
  TempDir sharded;
  for (auto* f : {"config.json", "tokenizer.json", "tokenizer_config.json"})
    if (fs::exists(dir.path() / f)) fs::copy_file(dir.path() / f, sharded.path() / f);
  model::write_safetensors(sharded.path() / "model-00001-of-00002.safetensors", a);
  model::write_safetensors(sharded.path() / "model-00002-of-00002.safetensors", b);
  write_json(sharded.path() / "model.safetensors.index.json", {{"weight_map", wm}});
  auto m = load_transformer(sharded.path(), DeviceKind::kCpu, 1);
  const std::vector<int32_t> seq = {1, 50, 60, 70, 80};
  EXPECT_EQ(sequence_logprobs(*ref, seq), sequence_logprobs(*m, seq));
}

TEST(RopeScaling, Llama3MatchesTransformersFormula) {
  model::ModelConfig c;
  c.head_dim = 128;
  c.rope_theta = 500000.0;
  c.rope_scaling.type = "llama3";
  c.rope_scaling.factor = 8.0;
  c.rope_scaling.low_freq_factor = 1.0;
  c.rope_scaling.high_freq_factor = 4.0;
  c.rope_scaling.original_max_position_embeddings = 8192;
  const auto inv = rope_inv_freq(c);
  ASSERT_EQ(inv.size(), 64u);
  // Reference values: transformers' _compute_llama3_parameters (tools/make_engine_fixtures.py inv_freq_hf)
  // for Llama-3.1's rope (theta 5e5, factor 8, low 1, high 4, original 8192).
  EXPECT_FLOAT_EQ(inv[0], 1.0f);
  EXPECT_NEAR(inv[20], 0.016560440883040428, 1e-9);      // high frequency: unchanged
  EXPECT_NEAR(inv[31], 0.0008567514596506953, 2e-10);    // medium: smoothed
  EXPECT_NEAR(inv[33], 0.0003126936499029398, 1e-10);    // medium: smoothed
  EXPECT_NEAR(inv[45], 1.2297638932068367e-05, 1e-12);   // low frequency: divided by 8
  EXPECT_NEAR(inv[63], 3.068925877869333e-07, 1e-14);
}

}  // namespace
}  // namespace evalrun::engine
