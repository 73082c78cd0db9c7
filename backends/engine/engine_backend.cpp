// The Backend over the in-process engine: lm-eval tokenization semantics (encode.h) on top of the
// token-level scorer (scoring.h) and generator (generation.h).
#include "backends/engine/engine_backend.h"

#include <fstream>
#include <sstream>

#include "backends/engine/encode.h"
#include "backends/engine/generation.h"
#include "backends/engine/scoring.h"
#ifdef EVALRUN_HAVE_CUDA
#include "backends/cuda/cuda_device.h"
#endif
#include "backends/model/tokenizer.h"
#include "common/errors.h"
#include "common/hash.h"
#include "templates/chat_template.h"

namespace evalrun::engine {

namespace fs = std::filesystem;

std::unique_ptr<Transformer> load_transformer(const fs::path& dir, DeviceKind kind, int threads,
                                              TransformerOptions options, const std::string& dtype) {
  auto weights = std::make_shared<model::ModelWeights>(model::load_model_weights(dir));
  std::unique_ptr<Device> device;
  if (kind == DeviceKind::kCuda) {
#ifdef EVALRUN_HAVE_CUDA
    device = dtype == "f32" ? cuda::make_cuda_device(0, DType::kF32) : make_cuda_device(0);
#else
    throw UserError("--backend cuda: evalrun was built without CUDA; use --backend cpu");
#endif
  } else {
    device = make_cpu_device(threads, dtype == "f32");
  }
  return std::make_unique<Transformer>(std::move(weights), std::move(device), options);
}

bool cuda_available() {
#ifdef EVALRUN_HAVE_CUDA
  return cuda_device_available();
#else
  return false;
#endif
}

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Identity of the weights without reading all of them: every safetensors header and size, plus 64 KiB
// samples every 16 MiB (a fine-tune of the same architecture changes every sampled region).
std::string weights_fingerprint(const fs::path& dir) {
  std::string acc = read_file(dir / "config.json");
  std::vector<fs::path> files;
  for (auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".safetensors") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    const auto size = fs::file_size(f);
    acc += f.filename().string() + ":" + std::to_string(size) + ";";
    std::string buf(65536, '\0');
    for (uint64_t off = 0; off < size; off += 16ull << 20) {
      in.seekg(static_cast<std::streamoff>(off));
      in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
      acc += sha256_hex(std::string_view(buf.data(), static_cast<size_t>(in.gcount())));
      in.clear();
    }
  }
  return sha256_hex(acc);
}

class EngineBackend : public backends::Backend {
 public:
  EngineBackend(const backends::BackendOptions& o, DeviceKind kind) : dir_(o.model), kind_(kind) {
    if (o.dtype != "auto" && o.dtype != "f32" && o.dtype != "bf16")
      throw UserError("--dtype: expected auto, f32 or bf16, got '" + o.dtype + "'");
    TransformerOptions topt;
    if (o.batch_size > 0) topt.max_batch_tokens = std::max(256, o.batch_size * 512);
    model_ = load_transformer(dir_, kind, o.threads, topt, o.dtype);
    tokenizer_ = model::Tokenizer::load(dir_);
    const auto& c = model_->config();
    if (tokenizer_->vocab_size() > static_cast<size_t>(c.vocab_size))
      throw UserError(dir_.string() + ": tokenizer has " + std::to_string(tokenizer_->vocab_size()) +
                      " tokens but config.json vocab_size is " + std::to_string(c.vocab_size));
    std::optional<int32_t> cfg_eos;
    if (!c.eos_token_ids.empty()) cfg_eos = c.eos_token_ids[0];
    encoder_ = std::make_unique<LmEvalEncoder>(*tokenizer_, c.bos_token_id, cfg_eos);
    chat_ = templates::ChatTemplate::load(dir_);
    max_length_ = c.max_position_embeddings;
    eos_ids_ = c.eos_token_ids;
    if (tokenizer_->eos_id()) eos_ids_.push_back(*tokenizer_->eos_id());
    wave_tokens_ = std::max(2 * model_->options().max_batch_tokens, 1024);
    // The device and its compute precision change the numbers, so they are part of every cache key.
    const std::string compute = kind_ == DeviceKind::kCuda ? (o.dtype == "f32" ? "cuda-fp32" : "cuda-bf16") : "cpu-fp32";
    fingerprint_ = "engine:v1:" + weights_fingerprint(dir_).substr(0, 32) + ":" + tokenizer_->fingerprint().substr(0, 16) +
                   ":" + compute;
  }

  std::string fingerprint() const override { return fingerprint_; }
  std::string name() const override {
    return std::string(kind_ == DeviceKind::kCuda ? "cuda:" : "cpu:") + dir_.string();
  }
  bool supports_loglikelihood() const override { return true; }
  const model::Tokenizer* tokenizer() const override { return tokenizer_.get(); }
  const templates::ChatTemplate* chat_template() const override { return chat_.get(); }
  std::optional<int> max_length() const override { return max_length_; }

  void score(const std::vector<backends::ChoiceGroup>& groups, const backends::ScoreCallback& done) override {
    std::vector<TokenGroup> tg(groups.size());
    for (size_t i = 0; i < groups.size(); ++i) {
      for (const auto& cont : groups[i].continuations) {
        auto [ctx, c] = encoder_->encode_pair(groups[i].context, cont);
        if (ctx.empty()) ctx = {encoder_->prefix_token()};  // all-whitespace context (lm-eval would assert)
        // Every pair of a group shares the same context encoding (same stripped context).
        tg[i].context = std::move(ctx);
        tg[i].continuations.push_back(std::move(c));
      }
      if (groups[i].continuations.empty()) tg[i].context = {encoder_->prefix_token()};
    }
    ScoringOptions so{max_length_, wave_tokens_};
    score_token_groups(*model_, tg, so, [&](size_t i, std::vector<TokenScore> s) {
      std::vector<backends::ContinuationScore> out;
      for (auto& x : s) out.push_back({x.logprob, x.is_greedy, x.n_tokens});
      done(i, std::move(out));
    });
  }

  void score_rolling(const std::vector<std::string>& texts, const backends::RollingCallback& done) override {
    for (size_t i = 0; i < texts.size(); ++i) {
      const auto windows = rolling_windows(encoder_->tok_encode(texts[i]), encoder_->prefix_token(), max_length_);
      std::vector<TokenGroup> tg;
      for (auto& [a, b] : windows) tg.push_back({a, {b}});
      backends::RollingScore total;
      ScoringOptions so{max_length_, wave_tokens_};
      score_token_groups(*model_, tg, so, [&](size_t, std::vector<TokenScore> s) {
        total.logprob += s[0].logprob;
        total.n_tokens += s[0].n_tokens;
      });
      done(i, total);
    }
  }

  void generate(const std::vector<backends::GenerationRequest>& requests,
                const backends::GenerationCallback& done) override {
    std::vector<TokenGenRequest> tr;
    for (const auto& r : requests) {
      std::string prompt = r.prompt;
      if (!r.messages.empty()) {
        if (!chat_) throw UserError(dir_.string() + ": chat messages given but the model has no chat template");
        nlohmann::json msgs = nlohmann::json::array();
        for (auto& m : r.messages) msgs.push_back({{"role", m.role}, {"content", m.content}});
        prompt = chat_->render(msgs, true);
      }
      TokenGenRequest t;
      t.prompt = encoder_->tok_encode(prompt);
      // lm-eval: the context is left-truncated to max_length - max_gen_toks.
      const int max_ctx = std::max(1, max_length_ - r.max_tokens);
      if (static_cast<int>(t.prompt.size()) > max_ctx)
        t.prompt.erase(t.prompt.begin(), t.prompt.end() - max_ctx);
      if (t.prompt.empty()) t.prompt = {encoder_->prefix_token()};
      t.until = r.until;
      t.max_tokens = std::min(r.max_tokens, max_length_ - 1);
      t.temperature = r.temperature;
      t.top_p = r.top_p;
      t.seed = r.seed;
      t.n = r.n;
      tr.push_back(std::move(t));
    }
    GenOptions go;
    go.eos_ids = eos_ids_;
    go.wave_tokens = std::max(wave_tokens_, 8192);
    generate_tokens(*model_, *tokenizer_, tr, go, [&](size_t i, std::vector<std::string> texts) {
      done(i, backends::GenerationResult{std::move(texts)});
    });
  }

 private:
  fs::path dir_;
  DeviceKind kind_;
  std::unique_ptr<Transformer> model_;
  std::unique_ptr<model::Tokenizer> tokenizer_;
  std::unique_ptr<LmEvalEncoder> encoder_;
  std::unique_ptr<templates::ChatTemplate> chat_;
  int max_length_ = 2048;
  int wave_tokens_ = 4096;
  std::vector<int32_t> eos_ids_;
  std::string fingerprint_;
};

}  // namespace

std::unique_ptr<backends::Backend> make_engine_backend(const backends::BackendOptions& options, DeviceKind device) {
  if (options.model.empty()) throw UserError("--model: required (a Hugging Face model directory)");
  return std::make_unique<EngineBackend>(options, device);
}

}  // namespace evalrun::engine
