// Unit tests of the OpenAI wire format and of the client's pure helpers (no network).
#include <gtest/gtest.h>

#include <ctime>

#include "backends/http/http_client.h"
#include "backends/http/openai_protocol.h"

namespace evalrun::http {
namespace {

using nlohmann::json;

TEST(HttpProtocol, ChatBodyUsesMessagesAndCapsStopStrings) {
  backends::GenerationRequest r;
  r.messages = {{"system", "Be brief."}, {"user", "Hi"}};
  r.until = {"a", "", "b", "c", "d", "e"};
  r.max_tokens = 7;
  r.temperature = 0.5;
  r.top_p = 0.9;
  r.extra = {{"repetition_penalty", 1.1}, {"top_p", nullptr}};
  const json body = build_generation_body(Api::kChat, "gpt-x", r, 2, 99, 4);
  const json expected = {{"model", "gpt-x"},
                         {"messages", {{{"role", "system"}, {"content", "Be brief."}}, {{"role", "user"}, {"content", "Hi"}}}},
                         {"max_tokens", 7},
                         {"temperature", 0.5},
                         {"seed", 99},
                         {"n", 2},
                         {"stop", {"a", "b", "c", "d"}},
                         {"repetition_penalty", 1.1}};
  EXPECT_EQ(body, expected);
}

TEST(HttpProtocol, ChatBodyWrapsPlainPromptAsUserMessage) {
  backends::GenerationRequest r;
  r.prompt = "Question?";
  const json body = build_generation_body(Api::kChat, "m", r, 1, 1234, 4);
  EXPECT_EQ(body["messages"], json::parse(R"([{"role":"user","content":"Question?"}])"));
  EXPECT_FALSE(body.contains("stop"));
}

TEST(HttpProtocol, CompletionsBodyUsesPrompt) {
  backends::GenerationRequest r;
  r.prompt = "2+2=";
  r.until = {"\n"};
  const json body = build_generation_body(Api::kCompletions, "m", r, 1, 5, 0);
  EXPECT_EQ(body["prompt"], "2+2=");
  EXPECT_EQ(body["stop"], json::array({"\n"}));
  EXPECT_FALSE(body.contains("messages"));
}

TEST(HttpProtocol, ParsesChoicesInIndexOrderAndNullContentAsEmpty) {
  const auto texts = parse_generation(Api::kChat, R"({"choices":[
      {"index":1,"message":{"role":"assistant","content":null}},
      {"index":0,"message":{"role":"assistant","content":"first"}}]})");
  EXPECT_EQ(texts, (std::vector<std::string>{"first", ""}));
  EXPECT_EQ(parse_generation(Api::kCompletions, R"({"choices":[{"text":"x"},{"text":null}]})"),
            (std::vector<std::string>{"x", ""}));
}

TEST(HttpProtocol, MalformedBodiesThrowMalformedResponse) {
  EXPECT_THROW(parse_generation(Api::kChat, R"({"choices":[{"index":0,"message":{"content":"a)"), MalformedResponse);
  EXPECT_THROW(parse_generation(Api::kChat, "<html>502</html>"), MalformedResponse);
  EXPECT_THROW(parse_generation(Api::kChat, R"({"choices":[]})"), MalformedResponse);
  EXPECT_THROW(parse_generation(Api::kChat, R"({"error":{"message":"x"}})"), MalformedResponse);
  EXPECT_THROW(parse_generation(Api::kChat, R"({"choices":[{"index":0}]})"), MalformedResponse);
  EXPECT_THROW(parse_generation(Api::kChat, "[1,2]"), MalformedResponse);
}

TEST(HttpProtocol, CutAtEarliestStopString) {
  EXPECT_EQ(cut_at_stop("one two three", {"three", "two"}), "one ");
  EXPECT_EQ(cut_at_stop("abc", {"", "z"}), "abc");
  EXPECT_EQ(cut_at_stop("abc", {}), "abc");
}

TEST(HttpProtocol, ScoreBodyAndPromptLogprobs) {
  const json body = build_score_body("m", json::array({1, 2}), 0, json::object());
  EXPECT_EQ(body, json::parse(R"({"model":"m","prompt":[1,2],"echo":true,"logprobs":1,"max_tokens":0,
                                  "temperature":0.0})"));
  const auto lp = parse_prompt_logprobs(R"({"choices":[{"text":"a b","logprobs":{
      "tokens":["a"," b"],"token_logprobs":[null,-0.5],"text_offset":[0,1],
      "top_logprobs":[null,{" b":-0.5,"c":-0.7}]}}]})");
  ASSERT_TRUE(lp);
  EXPECT_EQ(lp->tokens, (std::vector<std::string>{"a", " b"}));
  EXPECT_FALSE(lp->logprobs[0]);
  EXPECT_DOUBLE_EQ(*lp->logprobs[1], -0.5);
  EXPECT_EQ(lp->text_offset, (std::vector<long>{0, 1}));
  ASSERT_EQ(lp->top_max.size(), 2u);
  EXPECT_FALSE(lp->top_max[0]);
  EXPECT_DOUBLE_EQ(*lp->top_max[1], -0.5);
  EXPECT_FALSE(parse_prompt_logprobs(R"({"choices":[{"text":"a","logprobs":null}]})"));
  EXPECT_THROW(parse_prompt_logprobs(R"({"choices":[{"text":"a","logpr)"), MalformedResponse);
}

TEST(HttpProtocol, CodePointCount) {
  EXPECT_EQ(count_code_points("abc"), 3u);
  EXPECT_EQ(count_code_points("Да, кот"), 7u);
}

TEST(HttpClientHelpers, RetryableStatuses) {
  for (long s : {408L, 409L, 429L, 500L, 502L, 503L, 504L}) EXPECT_TRUE(is_retryable_status(s)) << s;
  for (long s : {200L, 400L, 401L, 403L, 404L, 422L}) EXPECT_FALSE(is_retryable_status(s)) << s;
}

TEST(HttpClientHelpers, ParsesRetryAfterSecondsAndDates) {
  EXPECT_DOUBLE_EQ(*parse_retry_after(" 7\r\n"), 7.0);
  EXPECT_DOUBLE_EQ(*parse_retry_after("0.5"), 0.5);
  EXPECT_FALSE(parse_retry_after("soon"));
  EXPECT_FALSE(parse_retry_after(""));
  // An HTTP date 30 s ahead.
  const time_t t = time(nullptr) + 30;
  tm g{};
  gmtime_r(&t, &g);
  char buf[64];
  strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &g);
  const auto delay = parse_retry_after(buf);
  ASSERT_TRUE(delay);
  EXPECT_NEAR(*delay, 30.0, 2.0);
  EXPECT_DOUBLE_EQ(*parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), 0.0);  // in the past
}

TEST(HttpClientHelpers, RedactsSecrets) {
  EXPECT_EQ(redact("key sk-1 and sk-1!", {"sk-1"}), "key *** and ***!");
  EXPECT_EQ(redact("nothing", {""}), "nothing");
}

TEST(HttpClientHelpers, RateLimiterSpacesRequests) {
  RateLimiter limiter(120);  // 2 per second, burst 2
  EXPECT_EQ(limiter.wait_s(100.0), 0.0);
  limiter.take(1, 100.0);
  limiter.take(1, 100.0);
  EXPECT_NEAR(limiter.wait_s(100.0), 0.0, 1e-6);  // level 0 -> must wait a hair
  EXPECT_GT(limiter.wait_s(100.0), 0.0);
  EXPECT_EQ(limiter.wait_s(100.6), 0.0);  // refilled 1.2 tokens
  RateLimiter unlimited(0);
  unlimited.take(1000, 1.0);
  EXPECT_EQ(unlimited.wait_s(1.0), 0.0);
}

}  // namespace
}  // namespace evalrun::http
