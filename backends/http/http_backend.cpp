// The OpenAI-compatible backend: turns evaluator requests into Jobs for the HttpClient.
#include "backends/http/http_backend.h"

#include <cstdlib>

#include "backends/http/http_client.h"
#include "backends/http/openai_protocol.h"
#include "backends/model/tokenizer.h"
#include "common/errors.h"
#include "common/hash.h"

namespace evalrun::http {
namespace {

using backends::ChoiceGroup;
using backends::ContinuationScore;
using backends::GenerationRequest;
using backends::GenerationResult;
using nlohmann::json;

constexpr const char* kChatCannotScore =
    "chat endpoints cannot score log-likelihoods; use the task's _gen variant (e.g. parus_gen) or --api completions";

std::string dump(const json& body) { return body.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string excerpt(const std::string& body) {
  std::string out = body.substr(0, 300);
  for (char& c : out)
    if (c == '\n' || c == '\r') c = ' ';
  return out;
}

// State shared by every job of one backend.
struct Shared {
  Api api = Api::kChat;
  std::string model;  // the name sent to the server
  std::string url;
  int max_stop = 4;
  const model::Tokenizer* tokenizer = nullptr;
  int score_max_tokens = 0;  // becomes 1 once the server rejects max_tokens=0
  std::vector<std::string> secrets;

  std::string describe(size_t index) const { return "request #" + std::to_string(index) + " (model " + model + ")"; }
  [[noreturn]] void fatal(size_t index, const HttpResponse& r) const {
    throw UserError(redact(describe(index) + ": HTTP " + std::to_string(r.status) + " from " + url + ": " +
                               excerpt(r.body),
                           secrets));
  }
};

class GenerateJob : public Job {
 public:
  GenerateJob(Shared& shared, size_t index, const GenerationRequest& request,
              const backends::GenerationCallback& done)
      : shared_(shared), index_(index), request_(request), done_(done) {
    if (shared.api == Api::kCompletions && request.prompt.empty() && !request.messages.empty())
      throw UserError(describe() + ": --api completions needs a plain-text prompt but the task gives chat messages; "
                                   "use --api chat");
    if (request.n < 1) throw UserError(describe() + ": n (repeats) must be at least 1");
  }
  std::string body() override {
    const int remaining = request_.n - static_cast<int>(texts_.size());
    // Follow-up requests for missing choices shift the seed so samples differ.
    return dump(build_generation_body(shared_.api, shared_.model, request_, remaining,
                                      request_.seed + texts_.size(), shared_.max_stop));
  }
  double token_cost() const override {
    size_t chars = request_.prompt.size();
    for (const auto& m : request_.messages) chars += m.content.size();
    return chars / 4.0 + static_cast<double>(request_.max_tokens) * (request_.n - texts_.size());
  }
  Step handle(const HttpResponse& r) override {
    if (r.status < 200 || r.status > 299) shared_.fatal(index_, r);
    std::vector<std::string> texts;
    try {
      texts = parse_generation(shared_.api, r.body);
    } catch (const MalformedResponse& e) {
      return {StepKind::kRetry, e.what()};
    }
    // The server saw at most max_stop stop strings; cut on all of them here.
    for (auto& text : texts) texts_.push_back(cut_at_stop(std::move(text), request_.until));
    if (static_cast<int>(texts_.size()) < request_.n) return {StepKind::kContinue, {}};
    texts_.resize(request_.n);
    done_(index_, GenerationResult{std::move(texts_)});
    return {StepKind::kDone, {}};
  }
  std::string describe() const override { return shared_.describe(index_); }

 private:
  Shared& shared_;
  size_t index_;
  const GenerationRequest& request_;
  const backends::GenerationCallback& done_;
  std::vector<std::string> texts_;
};

// Where the scored tokens of one prompt are: a token-id prompt (local tokenizer) or a text prompt whose
// continuation starts at a code-point offset.
struct ScorePrompt {
  json prompt;
  size_t n_prompt_tokens = 0;  // token-id prompts: tokens sent
  size_t n_scored_tokens = 0;  // token-id prompts: the last n are scored
  long boundary = 0;           // text prompts: code-point offset where the scored part starts
  long end = 0;                // text prompts: code-point length of the prompt
};

ScorePrompt make_score_prompt(const Shared& shared, std::string context, std::string continuation) {
  // lm-eval: trailing whitespace of the context belongs to the continuation.
  const size_t kept = context.find_last_not_of(" \t\n\r");
  const size_t cut = kept == std::string::npos ? 0 : kept + 1;
  continuation = context.substr(cut) + continuation;
  context.resize(cut);
  ScorePrompt p;
  if (shared.tokenizer) {
    const auto* tok = shared.tokenizer;
    std::vector<int32_t> ids, scored;
    if (context.empty()) {
      auto prefix = tok->eos_id() ? tok->eos_id() : tok->bos_id();
      if (!prefix) throw UserError("--tokenizer: an empty context needs an EOS or BOS token as prefix");
      ids = {*prefix};
      scored = tok->encode(continuation, false);
    } else {
      const auto whole = tok->encode(context + continuation, false);
      const auto ctx = tok->encode(context, false);
      const size_t split = std::min(ctx.size(), whole.size());
      ids.assign(whole.begin(), whole.begin() + split);
      scored.assign(whole.begin() + split, whole.end());
    }
    ids.insert(ids.end(), scored.begin(), scored.end());
    p.prompt = ids;
    p.n_prompt_tokens = ids.size();
    p.n_scored_tokens = scored.size();
  } else {
    p.prompt = context + continuation;
    p.boundary = static_cast<long>(count_code_points(context));
    p.end = static_cast<long>(count_code_points(context + continuation));
  }
  return p;
}

// Sums the scored positions; throws UserError when they carry no log-probabilities.
ContinuationScore sum_scored(const Shared& shared, size_t index, const ScorePrompt& p, const PromptLogprobs& lp) {
  std::vector<size_t> positions;
  if (!p.prompt.is_string()) {
    if (lp.tokens.size() < p.n_prompt_tokens)
      throw UserError(shared.describe(index) + ": the server echoed " + std::to_string(lp.tokens.size()) +
                      " prompt tokens, expected " + std::to_string(p.n_prompt_tokens));
    for (size_t i = p.n_prompt_tokens - p.n_scored_tokens; i < p.n_prompt_tokens; i++) positions.push_back(i);
  } else {
    if (lp.text_offset.empty())
      throw UserError(shared.describe(index) + ": the server gave no text_offset for the echoed prompt; pass "
                                               "--tokenizer <model dir> so tokens can be located locally");
    for (size_t i = 0; i < lp.tokens.size(); i++) {
      const long start = lp.text_offset[i];
      if (start >= p.end) break;  // a generated token (max_tokens=1)
      const long stop = start + static_cast<long>(count_code_points(lp.tokens[i]));
      // A token straddling the boundary (merged across context and continuation) counts as scored.
      if (start >= p.boundary || stop > p.boundary) positions.push_back(i);
    }
  }
  ContinuationScore score;
  score.is_greedy = true;
  for (size_t i : positions) {
    if (!lp.logprobs[i])
      throw UserError(shared.describe(index) + ": the server returned no log-probability for prompt token " +
                      std::to_string(i) + (i == 0 ? " (the first token has none: an empty context needs --tokenizer)"
                                                  : ""));
    score.logprob += *lp.logprobs[i];
    const bool greedy = i < lp.top_max.size() && lp.top_max[i] && *lp.logprobs[i] >= *lp.top_max[i] - 1e-6;
    score.is_greedy = score.is_greedy && greedy;
  }
  score.n_tokens = static_cast<int>(positions.size());
  return score;
}

// Scores the continuations of one group one after another (one exchange each).
class ScoreJob : public Job {
 public:
  ScoreJob(Shared& shared, size_t index, const ChoiceGroup& group, const backends::ScoreCallback& done)
      : shared_(shared), index_(index), group_(group), done_(done) {
    prepare();
  }
  std::string body() override { return dump(build_score_body(shared_.model, prompt_.prompt, max_tokens_, json::object())); }
  double token_cost() const override {
    return prompt_.prompt.is_string() ? prompt_.prompt.get_ref<const std::string&>().size() / 4.0
                                      : static_cast<double>(prompt_.n_prompt_tokens);
  }
  Step handle(const HttpResponse& r) override {
    if (r.status == 400 && max_tokens_ == 0) {  // some servers reject max_tokens=0: use 1 from now on
      shared_.score_max_tokens = max_tokens_ = 1;
      return {StepKind::kContinue, {}};
    }
    if (r.status < 200 || r.status > 299) shared_.fatal(index_, r);
    std::optional<PromptLogprobs> lp;
    try {
      lp = parse_prompt_logprobs(r.body);
    } catch (const MalformedResponse& e) {
      return {StepKind::kRetry, e.what()};
    }
    if (!lp)
      throw UserError(describe() + ": " + shared_.url +
                      " returned no prompt log-probabilities (echo+logprobs unsupported); use the task's _gen "
                      "variant (e.g. parus_gen)");
    scores_.push_back(sum_scored(shared_, index_, prompt_, *lp));
    if (scores_.size() < group_.continuations.size()) {
      prepare();
      return {StepKind::kContinue, {}};
    }
    done_(index_, std::move(scores_));
    return {StepKind::kDone, {}};
  }
  std::string describe() const override { return shared_.describe(index_); }

 private:
  void prepare() {
    max_tokens_ = shared_.score_max_tokens;
    prompt_ = make_score_prompt(shared_, group_.context, group_.continuations[scores_.size()]);
  }
  Shared& shared_;
  size_t index_;
  const ChoiceGroup& group_;
  const backends::ScoreCallback& done_;
  ScorePrompt prompt_;
  int max_tokens_ = 0;
  std::vector<ContinuationScore> scores_;
};

class RollingJob : public Job {
 public:
  RollingJob(Shared& shared, size_t index, const std::string& text, const backends::RollingCallback& done)
      : shared_(shared), index_(index), done_(done) {
    const auto* tok = shared.tokenizer;
    auto prefix = tok->eos_id() ? tok->eos_id() : tok->bos_id();
    if (!prefix) throw UserError("--tokenizer: rolling log-likelihood needs an EOS or BOS token as prefix");
    auto ids = tok->encode(text, false);
    prompt_.n_scored_tokens = ids.size();
    ids.insert(ids.begin(), *prefix);
    prompt_.n_prompt_tokens = ids.size();
    prompt_.prompt = ids;
  }
  std::string body() override { return dump(build_score_body(shared_.model, prompt_.prompt, max_tokens_, json::object())); }
  Step handle(const HttpResponse& r) override {
    if (r.status == 400 && max_tokens_ == 0) {
      shared_.score_max_tokens = max_tokens_ = 1;
      return {StepKind::kContinue, {}};
    }
    if (r.status < 200 || r.status > 299) shared_.fatal(index_, r);
    std::optional<PromptLogprobs> lp;
    try {
      lp = parse_prompt_logprobs(r.body);
    } catch (const MalformedResponse& e) {
      return {StepKind::kRetry, e.what()};
    }
    if (!lp) throw UserError(describe() + ": " + shared_.url + " returned no prompt log-probabilities");
    const auto s = sum_scored(shared_, index_, prompt_, *lp);
    done_(index_, backends::RollingScore{s.logprob, s.n_tokens});
    return {StepKind::kDone, {}};
  }
  std::string describe() const override { return shared_.describe(index_); }

 private:
  Shared& shared_;
  size_t index_;
  const backends::RollingCallback& done_;
  ScorePrompt prompt_;
  int max_tokens_ = shared_.score_max_tokens;
};

std::string endpoint_url(std::string base, Api api) {
  while (!base.empty() && base.back() == '/') base.pop_back();
  const std::string path = api == Api::kChat ? "/chat/completions" : "/completions";
  if (base.size() >= path.size() && base.compare(base.size() - path.size(), path.size(), path) == 0) return base;
  return base + path;
}

class HttpBackend : public backends::Backend {
 public:
  explicit HttpBackend(const backends::BackendOptions& o) : options_(o) {
    if (o.base_url.empty()) throw UserError("--base-url: required for api: models (e.g. http://localhost:8000/v1)");
    if (o.base_url.rfind("http://", 0) != 0 && o.base_url.rfind("https://", 0) != 0)
      throw UserError("--base-url: expected an http:// or https:// URL, got '" + o.base_url + "'");
    if (o.api == "chat")
      shared_.api = Api::kChat;
    else if (o.api == "completions")
      shared_.api = Api::kCompletions;
    else
      throw UserError("--api: expected chat or completions, got '" + o.api + "'");
    shared_.model = o.model.rfind("api:", 0) == 0 ? o.model.substr(4) : o.model;
    if (shared_.model.empty()) throw UserError("--model: expected api:<model-name>, the name is empty");
    shared_.url = endpoint_url(o.base_url, shared_.api);
    shared_.max_stop = o.max_stop_strings;

    ClientOptions c;
    c.url = shared_.url;
    for (const auto& h : o.headers) {
      const auto colon = h.find(':');
      if (colon == std::string::npos || colon == 0 || h.find_first_of("\r\n") != std::string::npos)
        throw UserError("--header: expected 'Name: value', got '" + h.substr(0, 40) + "'");
      c.headers.push_back(h);
    }
    if (!o.api_key_env.empty()) {
      if (const char* key = std::getenv(o.api_key_env.c_str()); key && *key) {
        c.headers.push_back(std::string("Authorization: Bearer ") + key);
        c.secrets.push_back(key);
      }
    }
    c.timeout_s = o.request_timeout_s;
    c.concurrency = o.concurrency;
    c.max_retries = o.max_retries;
    c.retry_base_delay_s = o.retry_base_delay_s;
    c.retry_max_delay_s = o.retry_max_delay_s;
    c.requests_per_minute = o.requests_per_minute;
    c.tokens_per_minute = o.tokens_per_minute;
    shared_.secrets = c.secrets;
    client_ = std::make_unique<HttpClient>(std::move(c));

    if (!o.tokenizer_path.empty()) {
      tokenizer_ = model::Tokenizer::load(o.tokenizer_path);
      shared_.tokenizer = tokenizer_.get();
    }
  }

  std::string fingerprint() const override {
    // Never the key or headers: those may hold secrets and do not change the answers' identity.
    std::string id = "http|" + options_.base_url + "|" + shared_.model + "|" + options_.api;
    if (tokenizer_) {
      id += '|';
      id += tokenizer_->fingerprint();
    }
    return sha256_hex(id);
  }
  std::string name() const override { return "api:" + shared_.model; }
  bool supports_loglikelihood() const override { return shared_.api == Api::kCompletions; }

  void score(const std::vector<ChoiceGroup>& groups, const backends::ScoreCallback& done) override {
    if (shared_.api == Api::kChat) throw UserError(kChatCannotScore);
    for (size_t i = 0; i < groups.size(); i++)
      if (groups[i].continuations.empty()) throw UserError(shared_.describe(i) + ": a choice group has no continuations");
    client_->run(groups.size(), [&](size_t i) { return std::make_unique<ScoreJob>(shared_, i, groups[i], done); });
  }

  void score_rolling(const std::vector<std::string>& texts, const backends::RollingCallback& done) override {
    if (shared_.api == Api::kChat) throw UserError(kChatCannotScore);
    if (!tokenizer_)
      throw UserError("rolling log-likelihood over HTTP needs the model's tokenizer: pass --tokenizer <model dir>");
    client_->run(texts.size(), [&](size_t i) { return std::make_unique<RollingJob>(shared_, i, texts[i], done); });
  }

  void generate(const std::vector<GenerationRequest>& requests, const backends::GenerationCallback& done) override {
    client_->run(requests.size(),
                 [&](size_t i) { return std::make_unique<GenerateJob>(shared_, i, requests[i], done); });
  }

  const model::Tokenizer* tokenizer() const override { return tokenizer_.get(); }

 private:
  backends::BackendOptions options_;
  Shared shared_;
  std::unique_ptr<HttpClient> client_;
  std::unique_ptr<model::Tokenizer> tokenizer_;
};

}  // namespace

std::unique_ptr<backends::Backend> make_http_backend(const backends::BackendOptions& options) {
  return std::make_unique<HttpBackend>(options);
}

}  // namespace evalrun::http
