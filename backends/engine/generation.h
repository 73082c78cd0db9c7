#pragma once
// Batched generation on a Transformer: each prompt is computed once and its KV shared by its n samples;
// greedy or temperature/top-p sampling with a per-sample seeded RNG (independent of batching); stops on
// EOS ids, max_tokens, or stop strings checked incrementally on the decoded text.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "backends/engine/transformer.h"
#include "backends/model/tokenizer.h"

namespace evalrun::engine {

struct TokenGenRequest {
  std::vector<int32_t> prompt;  // non-empty, already truncated to fit max_length - max_tokens
  std::vector<std::string> until;
  int max_tokens = 256;
  double temperature = 0.0;
  double top_p = 1.0;
  uint64_t seed = 1234;
  int n = 1;
};

struct GenOptions {
  int wave_tokens = 16384;      // KV tokens per wave of requests (prompt + n * max_tokens each)
  std::vector<int32_t> eos_ids; // generation stops after any of these
};

// done(i, texts) once per request, in order; texts are cut before the first stop string.
void generate_tokens(Transformer& model, const model::Tokenizer& tokenizer, const std::vector<TokenGenRequest>& requests,
                     const GenOptions& options, const std::function<void(size_t, std::vector<std::string>)>& done);

// Samples a token from logits (temperature > 0, top_p in (0,1]) with a uniform draw u in [0, 1).
int32_t sample_token(const float* logits, int vocab, double temperature, double top_p, double u);

// The sample's deterministic RNG (splitmix64 over (seed, sample index, step)).
double sample_uniform(uint64_t seed, int sample, int step);

}  // namespace evalrun::engine
