// The HTTP backend against tools/fake_openai_server: generation, faults, retries, secrets.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>

#include "backends/http/http_backend.h"
#include "common/errors.h"
#include "tests/http/support/fake_server.h"

namespace evalrun::http {
namespace {

using backends::GenerationRequest;
using testing::FakeServer;

backends::BackendOptions options_for(const FakeServer& server, const std::string& api = "chat") {
  backends::BackendOptions o;
  o.model = "api:test-model";
  o.base_url = server.base_url();
  o.api = api;
  o.api_key_env = "EVALRUN_HTTP_TEST_NO_KEY";
  o.concurrency = 8;
  o.max_retries = 4;
  o.request_timeout_s = 5;
  o.retry_base_delay_s = 0.01;
  o.retry_max_delay_s = 0.05;
  return o;
}

// A mix of requests: plain prompts, chat messages, stop strings, greedy and sampled.
std::vector<GenerationRequest> sample_requests(size_t count) {
  std::vector<GenerationRequest> requests(count);
  for (size_t i = 0; i < count; i++) {
    auto& r = requests[i];
    if (i % 2 == 0)
      r.prompt = "Question " + std::to_string(i) + ": which is the cause?";
    else
      r.messages = {{"system", "Answer with 1 or 2."}, {"user", "Premise " + std::to_string(i)}};
    r.max_tokens = 4 + static_cast<int>(i % 3);
    if (i % 5 == 0) r.until = {"golf", "hotel"};
    if (i % 7 == 0) r.temperature = 0.7;
  }
  return requests;
}

std::map<size_t, std::vector<std::string>> run_generate(backends::Backend& backend,
                                                        const std::vector<GenerationRequest>& requests) {
  std::map<size_t, std::vector<std::string>> out;
  backend.generate(requests, [&](size_t index, backends::GenerationResult result) {
    EXPECT_FALSE(out.count(index)) << "index delivered twice: " << index;
    out[index] = std::move(result.texts);
  });
  return out;
}

TEST(HttpBackend, GeneratesDeterministicAnswers) {
  FakeServer server;
  auto backend = make_http_backend(options_for(server));
  GenerationRequest r;
  r.prompt = "Say ECHO[the answer is 2]";
  auto out = run_generate(*backend, {r});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], std::vector<std::string>{"the answer is 2"});
  EXPECT_EQ(backend->name(), "api:test-model");
  EXPECT_FALSE(backend->supports_loglikelihood());
}

class HttpFaults : public ::testing::TestWithParam<std::string> {};

TEST_P(HttpFaults, PredictionsMatchFaultFreeRunAndNoRequestIsAnsweredTwice) {
  const auto requests = sample_requests(24);
  std::map<size_t, std::vector<std::string>> reference;
  {
    FakeServer server;
    auto backend = make_http_backend(options_for(server));
    reference = run_generate(*backend, requests);
    ASSERT_EQ(reference.size(), requests.size());
  }
  FakeServer server({"--faults", GetParam(), "--slow-ms", "200"});
  auto o = options_for(server, "chat");
  o.concurrency = 12;
  o.request_timeout_s = GetParam() == "stall" ? 2.0 : 10.0;  // generous: a loaded CI machine is slow
  auto backend = make_http_backend(o);
  const auto out = run_generate(*backend, requests);
  EXPECT_EQ(out, reference);
  const auto stats = server.stats();
  EXPECT_EQ(stats["duplicates"], 0) << stats.dump();
  EXPECT_EQ(stats["successes"], requests.size()) << stats.dump();
  const size_t plan_size = std::count(GetParam().begin(), GetParam().end(), ',') + 1;
  if (GetParam() != "slow") {
    EXPECT_EQ(stats["faults"], requests.size() * plan_size) << stats.dump();
  }
}

INSTANTIATE_TEST_SUITE_P(EachKind, HttpFaults,
                         ::testing::Values("429", "429-date", "408", "409", "500", "502", "503", "stall", "reset",
                                           "truncated", "partial", "invalid-json", "empty-choices", "slow",
                                           "500,502,truncated"),
                         [](const auto& info) {
                           std::string name;
                           for (char c : info.param) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

TEST(HttpBackend, CompletionsApiSurvivesFaultsToo) {
  auto requests = sample_requests(10);
  for (auto& r : requests)
    if (r.prompt.empty()) r.prompt = r.messages.back().content;
  std::map<size_t, std::vector<std::string>> reference;
  {
    FakeServer server;
    auto backend = make_http_backend(options_for(server, "completions"));
    reference = run_generate(*backend, requests);
  }
  FakeServer server({"--faults", "503,invalid-json,reset"});
  auto backend = make_http_backend(options_for(server, "completions"));
  EXPECT_EQ(run_generate(*backend, requests), reference);
  EXPECT_EQ(server.stats()["duplicates"], 0);
}

TEST(HttpBackend, Always429EndsWithClearErrorInBoundedTime) {
  FakeServer server({"--faults", "always:429"});
  auto o = options_for(server);
  o.max_retries = 2;  // Retry-After: 1 -> about 2 s
  auto backend = make_http_backend(o);
  const auto start = std::chrono::steady_clock::now();
  try {
    run_generate(*backend, sample_requests(3));
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("request #"), std::string::npos) << message;
    EXPECT_NE(message.find("test-model"), std::string::npos) << message;
    EXPECT_NE(message.find("HTTP 429"), std::string::npos) << message;
    EXPECT_NE(message.find("3 attempt(s)"), std::string::npos) << message;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(15));
}

TEST(HttpBackend, ApiKeyIsSentButNeverInErrorMessages) {
  const std::string key = "sk-evalrun-test-secret-4242";
  setenv("EVALRUN_HTTP_TEST_KEY", key.c_str(), 1);
  {  // the right key: accepted
    FakeServer server({"--require-key", key});
    auto o = options_for(server);
    o.api_key_env = "EVALRUN_HTTP_TEST_KEY";
    auto backend = make_http_backend(o);
    EXPECT_EQ(run_generate(*backend, sample_requests(2)).size(), 2u);
    EXPECT_EQ(server.stats()["auth_seen"], 2);
    EXPECT_EQ(backend->fingerprint().find(key), std::string::npos);
  }
  {  // a server that rejects it and echoes it back (as OpenAI does)
    FakeServer server({"--require-key", "another-key"});
    auto o = options_for(server);
    o.api_key_env = "EVALRUN_HTTP_TEST_KEY";
    o.headers = {"X-Team: evals"};
    auto backend = make_http_backend(o);
    try {
      run_generate(*backend, sample_requests(1));
      FAIL() << "expected a UserError";
    } catch (const UserError& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("HTTP 401"), std::string::npos) << message;
      EXPECT_EQ(message.find(key), std::string::npos) << message;
      EXPECT_NE(message.find("***"), std::string::npos) << message;
    }
  }
  unsetenv("EVALRUN_HTTP_TEST_KEY");
}

TEST(HttpBackend, FingerprintDependsOnUrlModelAndApiOnly) {
  FakeServer server;
  auto o = options_for(server);
  const auto a = make_http_backend(o)->fingerprint();
  o.headers = {"X-Other: 1"};
  o.concurrency = 3;
  EXPECT_EQ(make_http_backend(o)->fingerprint(), a);
  o.api = "completions";
  EXPECT_NE(make_http_backend(o)->fingerprint(), a);
  o = options_for(server);
  o.model = "api:other-model";
  EXPECT_NE(make_http_backend(o)->fingerprint(), a);
}

TEST(HttpBackend, StopStringsBeyondServerLimitAreCutClientSide) {
  FakeServer server({"--max-stop", "4"});
  auto backend = make_http_backend(options_for(server));
  GenerationRequest r;
  r.prompt = "ECHO[one S2 two S6 three]";
  r.until = {"S1", "S3", "S4", "S5", "S6", "S2"};  // S6 and S2 are beyond the limit of 4
  r.max_tokens = 50;
  const auto out = run_generate(*backend, {r});
  EXPECT_EQ(out.at(0), std::vector<std::string>{"one "});
  EXPECT_EQ(server.stats()["max_stop_seen"], 4);
}

TEST(HttpBackend, NullContentIsAnEmptyAnswer) {
  for (const std::string api : {"chat", "completions"}) {
    FakeServer server;
    auto backend = make_http_backend(options_for(server, api));
    GenerationRequest r;
    r.prompt = "NULLCONTENT please";
    EXPECT_EQ(run_generate(*backend, {r}).at(0), std::vector<std::string>{""}) << api;
    EXPECT_EQ(server.stats()["requests"], 1) << api;  // recorded, not retried
  }
}

TEST(HttpBackend, RequestsRemainingChoicesWhenServerReturnsFewer) {
  FakeServer server({"--max-n", "1"});
  auto backend = make_http_backend(options_for(server));
  GenerationRequest r;
  r.prompt = "Sample me";
  r.temperature = 1.0;
  r.n = 3;
  const auto out = run_generate(*backend, {r});
  ASSERT_EQ(out.at(0).size(), 3u);
  EXPECT_NE(out.at(0)[0], out.at(0)[1]);  // follow-ups use shifted seeds
  const auto stats = server.stats();
  EXPECT_EQ(stats["requests"], 3);
  EXPECT_EQ(stats["max_n_seen"], 3);
}

TEST(HttpBackend, ManyRequestsWithLowConcurrency) {
  FakeServer server;
  auto o = options_for(server);
  o.concurrency = 2;
  auto backend = make_http_backend(o);
  const auto out = run_generate(*backend, sample_requests(200));
  EXPECT_EQ(out.size(), 200u);
  const auto stats = server.stats();
  EXPECT_EQ(stats["duplicates"], 0);
  EXPECT_LE(stats["connections"].get<int>(), 4) << "connections are not reused";
}

TEST(HttpBackend, RateLimitSpacesRequests) {
  FakeServer server;
  auto o = options_for(server);
  o.requests_per_minute = 600;  // 10/s, burst 10
  auto backend = make_http_backend(o);
  const auto start = std::chrono::steady_clock::now();
  run_generate(*backend, sample_requests(25));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_GT(seconds, 1.2);  // 10 at once, then 15 more at 10/s
}

TEST(HttpBackend, BadOptionsAreUserErrors) {
  backends::BackendOptions o;
  o.model = "api:m";
  EXPECT_THROW(make_http_backend(o), UserError);  // no --base-url
  o.base_url = "ftp://x";
  EXPECT_THROW(make_http_backend(o), UserError);
  o.base_url = "http://127.0.0.1:9/v1";
  o.api = "responses";
  EXPECT_THROW(make_http_backend(o), UserError);
  o.api = "chat";
  o.headers = {"no colon"};
  EXPECT_THROW(make_http_backend(o), UserError);
  o.headers = {};
  o.concurrency = 0;
  EXPECT_THROW(make_http_backend(o), UserError);
}

TEST(HttpBackend, UnreachableServerGivesUpWithConnectionError) {
  backends::BackendOptions o;
  o.model = "api:m";
  o.base_url = "http://127.0.0.1:9/v1";  // discard port: nothing listens
  o.max_retries = 1;
  o.retry_base_delay_s = 0.01;
  auto backend = make_http_backend(o);
  try {
    run_generate(*backend, sample_requests(1));
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("request #0 (model m): giving up after 2 attempt(s)"), std::string::npos)
        << e.what();
  }
}

TEST(HttpBackend, UsableAgainAfterACallbackThrows) {
  FakeServer server;
  auto backend = make_http_backend(options_for(server));
  const auto requests = sample_requests(30);
  EXPECT_THROW(backend->generate(requests, [](size_t, backends::GenerationResult) { throw UserError("disk full"); }),
               UserError);
  EXPECT_EQ(run_generate(*backend, requests).size(), requests.size());
}

TEST(HttpBackend, PersistentlyMalformedAnswersEndWithTheReason) {
  for (const auto& [fault, reason] : std::vector<std::pair<std::string, std::string>>{
           {"always:invalid-json", "not valid JSON"}, {"always:empty-choices", "empty \"choices\" list"}}) {
    FakeServer server({"--faults", fault});
    auto o = options_for(server);
    o.max_retries = 2;
    auto backend = make_http_backend(o);
    try {
      run_generate(*backend, sample_requests(1));
      ADD_FAILURE() << "expected a UserError for " << fault;
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("3 attempt(s)"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace evalrun::http
