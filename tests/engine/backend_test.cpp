// The engine Backend end to end with the real tokenizer: text-level requests give the token-level
// results computed independently here from Tokenizer + sequence_logprobs.
#include <gtest/gtest.h>

#include "backends/engine/scoring.h"
#include "backends/model/tokenizer.h"
#include "engine_test_util.h"

namespace evalrun::engine {
namespace {

using testing::TempDir;

class EngineBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto o = testing::tiny("llama", 3);
    o.out = dir.path();
    o.max_position = 64;
    make_test_model(o);
    backends::BackendOptions bo;
    bo.model = dir.path().string();
    bo.threads = 2;
    backend = make_engine_backend(bo, DeviceKind::kCpu);
    model = load_transformer(dir.path(), DeviceKind::kCpu, 2);
    tok = model::Tokenizer::load(dir.path());
  }
  // log p(tokens[from:] | tokens[:from]) from scratch.
  double tail_logprob(const std::vector<int32_t>& tokens, size_t from) {
    const auto lp = sequence_logprobs(*model, tokens);
    double s = 0;
    for (size_t i = from; i < tokens.size(); ++i) s += lp[i - 1];
    return s;
  }
  TempDir dir;
  std::unique_ptr<backends::Backend> backend;
  std::unique_ptr<Transformer> model;
  std::unique_ptr<model::Tokenizer> tok;
};

TEST_F(EngineBackendTest, ScoreUsesLmEvalPairEncoding) {
  const std::string ctx = "Question: is the sky blue?\nAnswer:";
  const std::vector<std::string> conts = {" yes", " no", " it depends on the weather"};
  std::vector<backends::ContinuationScore> got;
  backend->score({{ctx + " ", {"yes", "no", "it depends on the weather"}}},
                 [&](size_t, std::vector<backends::ContinuationScore> s) { got = std::move(s); });
  ASSERT_EQ(got.size(), 3u);
  const auto ctx_ids = tok->encode(ctx, true);
  for (size_t i = 0; i < conts.size(); ++i) {
    const auto whole = tok->encode(ctx + conts[i], true);
    std::vector<int32_t> seq = ctx_ids;
    seq.insert(seq.end(), whole.begin() + ctx_ids.size(), whole.end());
    EXPECT_EQ(got[i].n_tokens, static_cast<int>(whole.size() - ctx_ids.size()));
    EXPECT_NEAR(got[i].logprob, tail_logprob(seq, ctx_ids.size()), 1e-4) << conts[i];
  }
}

TEST_F(EngineBackendTest, RollingScoresEveryTokenOnce) {
  std::string text;
  for (int i = 0; i < 30; ++i) text += "word" + std::to_string(i) + " ";
  const auto ids = tok->encode(text, true);
  ASSERT_GT(ids.size(), 64u);  // several windows of max_position_embeddings = 64
  backends::RollingScore got;
  backend->score_rolling({text}, [&](size_t, backends::RollingScore s) { got = s; });
  EXPECT_EQ(got.n_tokens, static_cast<int>(ids.size()));
  // Reference: lm-eval windows, each scored from scratch.
  double want = 0;
  for (auto& [a, b] : rolling_windows(ids, *tok->bos_id(), 64)) {
    std::vector<int32_t> seq = a;
    seq.insert(seq.end(), b.begin(), b.end());
    want += tail_logprob(seq, a.size());
  }
  EXPECT_NEAR(got.logprob, want, 1e-3);
}

TEST_F(EngineBackendTest, GreedyGenerationStopsAtStopString) {
  backends::GenerationRequest r;
  r.prompt = "Once upon a time";
  r.max_tokens = 12;
  std::vector<std::string> texts;
  backend->generate({r}, [&](size_t, backends::GenerationResult g) { texts = g.texts; });
  ASSERT_EQ(texts.size(), 1u);
  if (texts[0].size() > 3) {
    r.until = {texts[0].substr(2, 2)};
    backend->generate({r}, [&](size_t, backends::GenerationResult g) { texts = g.texts; });
    EXPECT_EQ(texts[0].find(r.until[0]), std::string::npos);
  }
  EXPECT_FALSE(backend->fingerprint().empty());
}

}  // namespace
}  // namespace evalrun::engine
