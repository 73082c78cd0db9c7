#pragma once
// Token-level scoring on a Transformer: multiple-choice groups with the context computed once and its
// KV reused by every continuation, and lm-eval's disjoint rolling windows. Text-level semantics
// (lm-eval's _encode_pair etc.) live in encode.h; this file sees only token ids.
#include <cstdint>
#include <functional>
#include <vector>

#include "backends/engine/transformer.h"

namespace evalrun::engine {

struct TokenGroup {
  std::vector<int32_t> context;  // non-empty
  std::vector<std::vector<int32_t>> continuations;
};

struct TokenScore {
  double logprob = 0.0;
  bool is_greedy = true;
  int n_tokens = 0;
};

struct ScoringOptions {
  int max_length = 2048;    // the model's window; longer inputs are left-truncated like lm-eval
  int wave_tokens = 4096;   // KV cache tokens per wave of groups (at least one group per wave)
};

// Scores every group; done(i, scores) is called once per group, in order.
void score_token_groups(Transformer& model, const std::vector<TokenGroup>& groups, const ScoringOptions& options,
                        const std::function<void(size_t, std::vector<TokenScore>)>& done);

// The same result computed the naive way (each context+continuation from scratch, one at a time) —
// the reference for the prefix-sharing tests.
std::vector<TokenScore> score_token_pairs_naive(Transformer& model, const std::vector<int32_t>& context,
                                                const std::vector<std::vector<int32_t>>& continuations,
                                                int max_length);

// lm-eval's get_rolling_token_windows(context_len=1) + make_disjoint_window: (context, continuation) pairs
// that score every token exactly once, the first window starting with the prefix token.
std::vector<std::pair<std::vector<int32_t>, std::vector<int32_t>>> rolling_windows(
    const std::vector<int32_t>& tokens, int32_t prefix_token, int max_length);

// log p(tokens[i] | tokens[<i]) for i = 1..n-1 (positions chunked to max_length windows are NOT applied:
// the sequence must fit the model). Used by `evalrun logprobs` and the parity tests.
std::vector<float> sequence_logprobs(Transformer& model, const std::vector<int32_t>& tokens);

}  // namespace evalrun::engine
