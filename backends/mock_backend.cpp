// Deterministic mock backend for the evaluator's own tests. Answers are pure functions of the request
// (and the variant's salt), so runs are reproducible and caches can be checked for equality.
//   mock:default / mock:<anything>  hash-derived log-probs and answers
//   mock:fixed   every continuation -1.0, every generation "1"
//   mock:slow    like default, sleeping EVALRUN_MOCK_DELAY_MS (default 40) per request (kill -9 tests)
//   mock:other   like default with another salt, hence another fingerprint and other answers
//   mock:chat    like default, with a small chat template (chat-mode tests)
// EVALRUN_MOCK_COUNTER=<file>: one line is appended per request actually computed (resume tests).
#include "backends/mock_backend.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "common/errors.h"
#include "common/hash.h"
#include "templates/chat_template.h"

namespace evalrun::backends {
namespace {

class MockBackend : public Backend {
 public:
  explicit MockBackend(std::string variant) : variant_(std::move(variant)) {
    salt_ = variant_ == "other" ? "other-salt" : "mock-salt";
    if (variant_ == "slow") {
      const char* ms = std::getenv("EVALRUN_MOCK_DELAY_MS");
      delay_ms_ = ms ? std::atoi(ms) : 40;
    }
    if (const char* path = std::getenv("EVALRUN_MOCK_COUNTER")) counter_path_ = path;
    if (variant_ == "chat")
      chat_template_ = templates::ChatTemplate::from_source(
          "{{ bos_token }}{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}\n{% endfor %}"
          "{% if add_generation_prompt %}<|assistant|>{% endif %}",
          "<s>", "</s>", "mock:chat");
  }

  std::string fingerprint() const override {
    // slow answers exactly like default: same fingerprint, so a cache filled by one serves the other.
    const std::string kind = variant_ == "slow" ? "default" : variant_;
    return "mock:" + kind + ":" + sha256_hex(salt_).substr(0, 16);
  }
  std::string name() const override { return "mock:" + variant_; }
  bool supports_loglikelihood() const override { return true; }
  const templates::ChatTemplate* chat_template() const override { return chat_template_.get(); }

  void score(const std::vector<ChoiceGroup>& groups, const ScoreCallback& done) override {
    for (size_t i = 0; i < groups.size(); ++i) {
      tick();
      std::vector<ContinuationScore> scores;
      for (const auto& cont : groups[i].continuations) {
        ContinuationScore s;
        if (variant_ == "fixed") {
          s.logprob = -1.0;
        } else {
          const uint64_t h = hash(groups[i].context + "\x1f" + cont);
          s.logprob = -static_cast<double>(h % 1000) / 100.0;
          s.is_greedy = h % 7 == 0;
        }
        s.n_tokens = static_cast<int>(cont.size());
        scores.push_back(s);
      }
      done(i, std::move(scores));
    }
  }

  void score_rolling(const std::vector<std::string>& texts, const RollingCallback& done) override {
    for (size_t i = 0; i < texts.size(); ++i) {
      tick();
      RollingScore s;
      s.n_tokens = static_cast<int>(texts[i].size());
      s.logprob = variant_ == "fixed" ? -1.0 * s.n_tokens
                                      : -static_cast<double>(hash(texts[i]) % 100000) / 100.0;
      done(i, s);
    }
  }

  void generate(const std::vector<GenerationRequest>& requests, const GenerationCallback& done) override {
    static const char* kAnswers[] = {"1", "2", "A", "B", "C", "D", "Да", "Нет"};
    for (size_t i = 0; i < requests.size(); ++i) {
      tick();
      const auto& r = requests[i];
      std::string basis = r.prompt;
      for (const auto& m : r.messages) basis += "\x1e" + m.role + "\x1f" + m.content;
      GenerationResult result;
      for (int k = 0; k < std::max(1, r.n); ++k) {
        if (variant_ == "fixed") {
          result.texts.push_back("1");
          continue;
        }
        const uint64_t h = hash(basis + "#" + std::to_string(k) + "#" + std::to_string(r.seed));
        std::string text = std::string(" Ответ: ") + kAnswers[h % 8] + ".";
        // Honour stop strings the way a real backend does: cut before the first one.
        size_t cut = text.size();
        for (const auto& stop : r.until)
          if (!stop.empty()) cut = std::min(cut, text.find(stop) == std::string::npos ? cut : text.find(stop));
        result.texts.push_back(text.substr(0, cut));
      }
      done(i, std::move(result));
    }
  }

 private:
  uint64_t hash(const std::string& text) const {
    const std::string digest = sha256_hex(salt_ + "\x1d" + text);
    return std::strtoull(digest.substr(0, 15).c_str(), nullptr, 16);
  }

  void tick() const {
    if (delay_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_));
    if (counter_path_.empty()) return;
    // O_APPEND writes of one line are atomic enough for a counter read after the process ended.
    const int fd = ::open(counter_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0) throw UserError("EVALRUN_MOCK_COUNTER: cannot open " + counter_path_);
    const ssize_t written = ::write(fd, "1\n", 2);
    ::close(fd);
    if (written != 2) throw UserError("EVALRUN_MOCK_COUNTER: cannot write " + counter_path_);
  }

  std::string variant_, salt_, counter_path_;
  std::unique_ptr<templates::ChatTemplate> chat_template_;
  int delay_ms_ = 0;
};

}  // namespace

std::unique_ptr<Backend> make_mock_backend(const BackendOptions& options) {
  const std::string& model = options.model;
  std::string variant = model.size() > 5 ? model.substr(5) : "default";
  static const char* kVariants[] = {"default", "fixed", "slow", "other", "chat"};
  bool known = false;
  for (const char* v : kVariants) known = known || variant == v;
  if (!known) throw UserError("--model " + model + ": mock variants are default, fixed, slow, other, chat");
  return std::make_unique<MockBackend>(variant);
}

}  // namespace evalrun::backends
