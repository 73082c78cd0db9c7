// Generation: greedy equals the from-scratch argmax chain; stop strings and EOS cut the output; sampling
// is seeded per request and independent of batch composition.
#include <gtest/gtest.h>

#include <cmath>

#include "backends/engine/generation.h"
#include "engine_test_util.h"
#include "fake_tokenizer.h"

namespace evalrun::engine {
namespace {

using testing::FakeTokenizer;
using testing::TempDir;

class Generation : public ::testing::Test {
 protected:
  void SetUp() override {
    auto o = testing::tiny("llama", 9);
    o.out = dir.path();
    make_test_model(o);
    model = load_transformer(dir.path(), DeviceKind::kCpu, 2);
  }
  // Greedy continuation computed from scratch each step (no KV reuse).
  std::vector<int32_t> greedy_reference(std::vector<int32_t> seq, int steps) {
    std::vector<int32_t> out;
    for (int s = 0; s < steps; ++s) {
      std::vector<SeqWork> w(1);
      w[0].tokens = seq;
      w[0].outputs.push_back({static_cast<int32_t>(seq.size()) - 1, -1});
      model->reserve_cache(static_cast<int>(seq.size()));
      model->run(w);
      out.push_back(w[0].argmax[0]);
      seq.push_back(w[0].argmax[0]);
    }
    return out;
  }
  std::vector<std::vector<std::string>> gen(const std::vector<TokenGenRequest>& reqs, GenOptions go = {}) {
    std::vector<std::vector<std::string>> out(reqs.size());
    generate_tokens(*model, tok, reqs, go, [&](size_t i, std::vector<std::string> t) { out[i] = std::move(t); });
    return out;
  }
  TempDir dir;
  std::unique_ptr<Transformer> model;
  FakeTokenizer tok;
};

TEST_F(Generation, GreedyMatchesFromScratchArgmax) {
  const std::vector<int32_t> prompt = {1, 300, 301, 302, 5000};
  const auto ref = greedy_reference(prompt, 8);
  TokenGenRequest r;
  r.prompt = prompt;
  r.max_tokens = 8;
  const auto got = gen({r, r});
  EXPECT_EQ(got[0][0], tok.decode(ref, true));
  EXPECT_EQ(got[1][0], got[0][0]);
}

TEST_F(Generation, StopStringsAndEos) {
  const std::vector<int32_t> prompt = {1, 42, 43};
  const auto ref = greedy_reference(prompt, 6);
  const std::string full = tok.decode(ref, true);
  TokenGenRequest r;
  r.prompt = prompt;
  r.max_tokens = 6;
  std::string stop = "[";
  stop += std::to_string(ref[3]);
  stop += ']';
  r.until = {stop, "never-there"};
  EXPECT_EQ(gen({r})[0][0], full.substr(0, full.find(stop)));
  // EOS: generation ends before the EOS token, which is not part of the text.
  r.until.clear();
  GenOptions go;
  go.eos_ids = {ref[2]};
  const size_t first = std::find(ref.begin(), ref.end(), ref[2]) - ref.begin();
  EXPECT_EQ(gen({r}, go)[0][0], tok.decode(std::vector<int32_t>(ref.begin(), ref.begin() + first), true));
  r.max_tokens = 0;
  EXPECT_EQ(gen({r})[0][0], "");
}

TEST_F(Generation, SamplingIsSeededAndBatchIndependent) {
  TokenGenRequest a;
  a.prompt = {1, 7, 8, 9};
  a.max_tokens = 6;
  a.temperature = 1.0;
  a.top_p = 0.95;
  a.seed = 42;
  a.n = 3;
  TokenGenRequest b = a;
  b.prompt = {1, 100, 200};
  b.seed = 7;
  b.n = 2;
  const auto alone = gen({a});
  const auto batched = gen({b, a, b});
  GenOptions tiny_waves;
  tiny_waves.wave_tokens = 1;  // one request per wave
  const auto waves = gen({a, b}, tiny_waves);
  ASSERT_EQ(alone[0].size(), 3u);
  EXPECT_EQ(alone[0], batched[1]);
  EXPECT_EQ(alone[0], waves[0]);
  EXPECT_EQ(batched[0], batched[2]);
  EXPECT_NE(alone[0][0], alone[0][1]);  // different sample streams
  TokenGenRequest c = a;
  c.seed = 43;
  EXPECT_NE(gen({c})[0], alone[0]);
}

TEST(Sampling, TemperatureAndTopP) {
  const float logits[3] = {0.f, std::log(2.f), -50.f};  // probabilities ~1/3, 2/3, 0
  EXPECT_EQ(sample_token(logits, 3, 1.0, 1.0, 0.2), 0);
  EXPECT_EQ(sample_token(logits, 3, 1.0, 1.0, 0.5), 1);
  // top_p 0.5: only the most likely token survives.
  EXPECT_EQ(sample_token(logits, 3, 1.0, 0.5, 0.0), 1);
  EXPECT_EQ(sample_token(logits, 3, 1.0, 0.5, 0.999), 1);
  // Low temperature concentrates on the argmax.
  EXPECT_EQ(sample_token(logits, 3, 0.01, 1.0, 0.99), 1);
  const double u = sample_uniform(1, 0, 0);
  EXPECT_GE(u, 0.0);
  EXPECT_LT(u, 1.0);
  EXPECT_EQ(u, sample_uniform(1, 0, 0));
  EXPECT_NE(u, sample_uniform(1, 1, 0));
}

}  // namespace
}  // namespace evalrun::engine
