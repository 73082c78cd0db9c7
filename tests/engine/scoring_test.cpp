// Prefix sharing and batch independence: scoring groups with a shared, cached context must equal
// scoring every context+continuation from scratch; results must not depend on batch size, wave size,
// grouping or thread count.
#include <gtest/gtest.h>

#include <random>

#include "backends/engine/scoring.h"
#include "engine_test_util.h"

namespace evalrun::engine {
namespace {

using testing::TempDir;

std::vector<TokenGroup> random_groups(int n, int vocab, uint32_t seed, int max_ctx = 50) {
  std::mt19937 rng(seed);
  auto tok = [&] { return static_cast<int32_t>(rng() % vocab); };
  std::vector<TokenGroup> groups(n);
  for (auto& g : groups) {
    g.context.resize(1 + rng() % max_ctx);
    for (auto& t : g.context) t = tok();
    const int nc = 1 + rng() % 5;
    for (int c = 0; c < nc; ++c) {
      std::vector<int32_t> cont(1 + rng() % 6);
      for (auto& t : cont) t = tok();
      g.continuations.push_back(cont);
    }
  }
  return groups;
}

std::vector<std::vector<TokenScore>> score_all(Transformer& m, const std::vector<TokenGroup>& groups,
                                               ScoringOptions so) {
  std::vector<std::vector<TokenScore>> out(groups.size());
  size_t expected = 0;
  score_token_groups(m, groups, so, [&](size_t i, std::vector<TokenScore> s) {
    EXPECT_EQ(i, expected++);
    out[i] = std::move(s);
  });
  EXPECT_EQ(expected, groups.size());
  return out;
}

class PrefixSharing : public ::testing::TestWithParam<std::string> {};

TEST_P(PrefixSharing, EqualsScoringEachPairFromScratch) {
  TempDir dir;
  auto o = testing::tiny(GetParam());
  if (GetParam() == "mistral") o.sliding_window = 6;  // windows crossing the prefix/continuation boundary
  o.out = dir.path();
  make_test_model(o);
  auto model = load_transformer(dir.path(), DeviceKind::kCpu, 2);
  const auto groups = random_groups(12, model->config().vocab_size, 7);
  const auto shared = score_all(*model, groups, {2048, 4096});
  for (size_t g = 0; g < groups.size(); ++g) {
    const auto naive = score_token_pairs_naive(*model, groups[g].context, groups[g].continuations, 2048);
    for (size_t c = 0; c < naive.size(); ++c) {
      EXPECT_NEAR(shared[g][c].logprob, naive[c].logprob, 1e-4) << "group " << g << " cont " << c;
      EXPECT_EQ(shared[g][c].n_tokens, naive[c].n_tokens);
      EXPECT_EQ(shared[g][c].n_tokens, static_cast<int>(groups[g].continuations[c].size()));
      EXPECT_EQ(shared[g][c].is_greedy, naive[c].is_greedy);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Engine, PrefixSharing, ::testing::Values("llama", "mistral", "qwen2", "qwen3"));

TEST(Scoring, IndependentOfBatchWaveAndGrouping) {
  TempDir dir;
  auto o = testing::tiny("qwen3");
  o.out = dir.path();
  make_test_model(o);
  auto big = load_transformer(dir.path(), DeviceKind::kCpu, 2);
  TransformerOptions small_batches;
  small_batches.max_batch_tokens = 7;  // contexts split into chunks across forwards
  small_batches.max_logit_rows = 3;
  auto small = load_transformer(dir.path(), DeviceKind::kCpu, 2, small_batches);
  const auto groups = random_groups(10, big->config().vocab_size, 11);
  const auto a = score_all(*big, groups, {2048, 100000});
  const auto b = score_all(*small, groups, {2048, 1});  // one group per wave
  // Each group alone.
  for (size_t g = 0; g < groups.size(); ++g) {
    const auto c = score_all(*big, {groups[g]}, {2048, 4096});
    for (size_t k = 0; k < groups[g].continuations.size(); ++k) {
      EXPECT_NEAR(a[g][k].logprob, b[g][k].logprob, 1e-4);
      EXPECT_NEAR(a[g][k].logprob, c[0][k].logprob, 1e-4);
      EXPECT_EQ(a[g][k].is_greedy, c[0][k].is_greedy);
    }
  }
}

TEST(Scoring, IdenticalForAnyThreadCount) {
  TempDir dir;
  auto o = testing::tiny("llama");
  o.hidden = 256;  // several matmul tiles
  o.intermediate = 512;
  o.out = dir.path();
  make_test_model(o);
  auto one = load_transformer(dir.path(), DeviceKind::kCpu, 1);
  auto three = load_transformer(dir.path(), DeviceKind::kCpu, 3);
  const auto groups = random_groups(6, one->config().vocab_size, 3, 200);
  const auto a = score_all(*one, groups, {2048, 4096});
  const auto b = score_all(*three, groups, {2048, 4096});
  for (size_t g = 0; g < groups.size(); ++g)
    for (size_t k = 0; k < a[g].size(); ++k) EXPECT_EQ(a[g][k].logprob, b[g][k].logprob);  // bit-identical
}

TEST(Scoring, LeftTruncatesLikeLmEval) {
  TempDir dir;
  auto o = testing::tiny("llama");
  o.out = dir.path();
  make_test_model(o);
  auto model = load_transformer(dir.path(), DeviceKind::kCpu, 2);
  const int max_length = 16;
  TokenGroup g;
  for (int i = 0; i < 14; ++i) g.context.push_back(100 + i);
  g.continuations = {{7}, {8, 9, 10, 11}, {12, 13}};  // 14+4 and 14+2 tokens > max_length + 1 = 17?
  const auto got = score_all(*model, {g}, {max_length, 4096});
  for (size_t c = 0; c < g.continuations.size(); ++c) {
    // Reference: (ctx + cont)[-(max_length+1):], scored position by position from scratch.
    std::vector<int32_t> full = g.context;
    full.insert(full.end(), g.continuations[c].begin(), g.continuations[c].end());
    if (full.size() > max_length + 1u) full.erase(full.begin(), full.end() - (max_length + 1));
    const auto lp = sequence_logprobs(*model, full);
    double want = 0;
    for (size_t i = lp.size() - g.continuations[c].size(); i < lp.size(); ++i) want += lp[i];
    EXPECT_NEAR(got[0][c].logprob, want, 1e-4) << c;
  }
}

TEST(Scoring, RollingWindowsFollowLmEval) {
  std::vector<int32_t> tokens;
  for (int i = 1; i <= 10; ++i) tokens.push_back(i);
  // Worked by hand from lm-eval's get_rolling_token_windows(context_len=1) + make_disjoint_window.
  const auto w = rolling_windows(tokens, 0, 4);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0].first, (std::vector<int32_t>{0}));
  EXPECT_EQ(w[0].second, (std::vector<int32_t>{1, 2, 3, 4}));
  EXPECT_EQ(w[1].first, (std::vector<int32_t>{4}));
  EXPECT_EQ(w[1].second, (std::vector<int32_t>{5, 6, 7, 8}));
  EXPECT_EQ(w[2].first, (std::vector<int32_t>{6, 7, 8}));
  EXPECT_EQ(w[2].second, (std::vector<int32_t>{9, 10}));
  const auto one = rolling_windows({5, 6}, 9, 4);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].first, (std::vector<int32_t>{9}));
  EXPECT_EQ(one[0].second, (std::vector<int32_t>{5, 6}));
  EXPECT_TRUE(rolling_windows({}, 9, 4).empty());
}

TEST(Scoring, SequenceLogprobsMatchSingleTokenContinuations) {
  TempDir dir;
  auto o = testing::tiny("qwen2");
  o.out = dir.path();
  make_test_model(o);
  auto model = load_transformer(dir.path(), DeviceKind::kCpu, 2);
  const std::vector<int32_t> seq = {5, 900, 31, 4000, 77, 12, 18000};
  const auto lp = sequence_logprobs(*model, seq);
  ASSERT_EQ(lp.size(), seq.size() - 1);
  TokenGroup g{{seq.begin(), seq.end() - 1}, {{seq.back()}}};
  const auto s = score_all(*model, {g}, {2048, 4096});
  EXPECT_NEAR(s[0][0].logprob, lp.back(), 1e-5);
}

}  // namespace
}  // namespace evalrun::engine

namespace evalrun::engine {
namespace {

TEST(Scoring, F32WeightsGiveIdenticalResults) {
  testing::TempDir dir;
  auto o = testing::tiny("qwen2");
  o.dtype = "bf16";
  o.out = dir.path();
  make_test_model(o);
  auto as_stored = load_transformer(dir.path(), DeviceKind::kCpu, 2);
  auto f32 = load_transformer(dir.path(), DeviceKind::kCpu, 2, {}, "f32");
  const std::vector<int32_t> seq = {1, 500, 600, 700, 800, 900, 1000};
  EXPECT_EQ(sequence_logprobs(*as_stored, seq), sequence_logprobs(*f32, seq));
}

}  // namespace
}  // namespace evalrun::engine
