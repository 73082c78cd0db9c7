#include "backends/engine/cli.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "backends/engine/encode.h"
#include "backends/engine/engine_backend.h"
#include "backends/engine/scoring.h"
#include "backends/engine/test_model.h"
#include "backends/model/tokenizer.h"
#include "common/errors.h"

namespace evalrun::engine {

namespace {

struct LogprobsOptions {
  std::string model, tokens_file, text;
  int threads = 0;
};

std::vector<int32_t> read_token_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw UserError("--tokens " + path + ": cannot read");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw UserError("--tokens " + path + ": not valid JSON: " + e.what());
  }
  if (!j.is_array()) throw UserError("--tokens " + path + ": expected a JSON list of token ids");
  std::vector<int32_t> ids;
  for (size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_number_integer() || j[i].get<int64_t>() < 0 || j[i].get<int64_t>() > INT32_MAX)
      throw UserError("--tokens " + path + ": entry " + std::to_string(i) + " is not a token id");
    ids.push_back(j[i].get<int32_t>());
  }
  return ids;
}

int run_logprobs(const LogprobsOptions& o) {
  if (o.tokens_file.empty() == o.text.empty()) throw UserError("logprobs: give exactly one of --tokens FILE or --text STR");
  auto model = load_transformer(o.model, DeviceKind::kCpu, o.threads);
  std::vector<int32_t> ids;
  if (!o.tokens_file.empty()) {
    ids = read_token_file(o.tokens_file);
  } else {
    auto tok = model::Tokenizer::load(o.model);
    const auto& c = model->config();
    std::optional<int32_t> eos;
    if (!c.eos_token_ids.empty()) eos = c.eos_token_ids[0];
    LmEvalEncoder enc(*tok, c.bos_token_id, eos);
    ids = enc.tok_encode(o.text);
  }
  if (ids.size() > static_cast<size_t>(model->config().max_position_embeddings))
    throw UserError("logprobs: " + std::to_string(ids.size()) + " tokens exceed max_position_embeddings " +
                    std::to_string(model->config().max_position_embeddings));
  for (auto id : ids)
    if (id >= model->config().vocab_size)
      throw UserError("logprobs: token id " + std::to_string(id) + " >= vocab_size " +
                      std::to_string(model->config().vocab_size));
  const auto lp = sequence_logprobs(*model, ids);
  for (size_t i = 0; i < lp.size(); ++i) {
    nlohmann::ordered_json line = {{"pos", i + 1}, {"token", ids[i + 1]}, {"logprob", static_cast<double>(lp[i])}};
    std::cout << line.dump() << "\n";
  }
  return 0;
}

}  // namespace

void add_commands(CLI::App& app, CommandTable& table) {
  {
    auto opts = std::make_shared<LogprobsOptions>();
    auto* sub = app.add_subcommand("logprobs", "Print log p(token_i | tokens_<i) for every position of a sequence");
    sub->add_option("--model", opts->model, "Hugging Face model directory")->required();
    sub->add_option("--tokens", opts->tokens_file, "JSON file holding a list of token ids");
    sub->add_option("--text", opts->text, "text to tokenize (lm-eval's tok_encode: tokenizer special tokens)");
    sub->add_option("--threads", opts->threads, "CPU threads (0 = all cores)");
    table.add(sub, [opts] { return run_logprobs(*opts); });
  }
  {
    auto opts = std::make_shared<TestModelOptions>();
    auto tie = std::make_shared<std::string>("auto");
    auto* sub = app.add_subcommand("make-test-model",
                                   "Write a random-weight model in Hugging Face format (scores are meaningless)");
    sub->add_option("--arch", opts->arch, "llama | mistral | qwen2 | qwen3")->capture_default_str();
    sub->add_option("--out", opts->out, "output directory")->required();
    sub->add_option("--tokenizer", opts->tokenizer, "directory with tokenizer.json (default: the bundled llama2 one)");
    sub->add_option("--hidden", opts->hidden, "hidden size")->capture_default_str();
    sub->add_option("--layers", opts->layers, "layers")->capture_default_str();
    sub->add_option("--heads", opts->heads, "attention heads")->capture_default_str();
    sub->add_option("--kv-heads", opts->kv_heads, "key/value heads")->capture_default_str();
    sub->add_option("--head-dim", opts->head_dim, "head dimension (default hidden/heads)");
    sub->add_option("--intermediate", opts->intermediate, "MLP size")->capture_default_str();
    sub->add_option("--vocab", opts->vocab, "vocabulary size (default: the tokenizer's)");
    sub->add_flag("--vocab-from-tokenizer", opts->vocab_from_tokenizer, "vocabulary size from the tokenizer (the default)");
    sub->add_option("--max-position", opts->max_position, "max_position_embeddings")->capture_default_str();
    sub->add_option("--sliding-window", opts->sliding_window, "sliding window (mistral/qwen; 0 = none)");
    sub->add_option("--rope-scaling", opts->rope_scaling, "none | linear | llama3")->capture_default_str();
    sub->add_option("--rope-theta", opts->rope_theta, "rope theta")->capture_default_str();
    sub->add_option("--tie", *tie, "auto | yes | no: tie lm_head to the embeddings")->capture_default_str();
    sub->add_option("--seed", opts->seed, "random seed")->capture_default_str();
    sub->add_option("--dtype", opts->dtype, "f32 | bf16")->capture_default_str();
    table.add(sub, [opts, tie] {
      if (*tie == "auto") opts->tie = -1;
      else if (*tie == "yes") opts->tie = 1;
      else if (*tie == "no") opts->tie = 0;
      else throw UserError("--tie: expected auto, yes or no, got '" + *tie + "'");
      for (int v : {opts->hidden, opts->layers, opts->heads, opts->kv_heads, opts->intermediate})
        if (v <= 0) throw UserError("make-test-model: sizes must be positive");
      make_test_model(*opts);
      std::cout << "wrote " << opts->out.string() << " (random weights: scores are meaningless)\n";
      return 0;
    });
  }
}

}  // namespace evalrun::engine
