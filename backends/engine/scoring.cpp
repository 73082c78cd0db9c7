#include "backends/engine/scoring.h"

#include <algorithm>
#include <stdexcept>

#include "common/errors.h"

namespace evalrun::engine {

namespace {

// Where one continuation's log-probs land.
struct Target {
  size_t group, cont;
};

struct Wave {
  std::vector<SeqWork> works;
  std::vector<std::vector<Target>> targets;  // per work, per output
  int32_t slots = 0;

  int32_t take(int32_t n) {
    int32_t s = slots;
    slots += n;
    return s;
  }
};

// (context + continuation)[-(max_length+1):][:-1] as one standalone sequence scoring the continuation.
void add_standalone(Wave& wave, const std::vector<int32_t>& context, const std::vector<int32_t>& cont,
                    int max_length, Target target) {
  std::vector<int32_t> full(context);
  full.insert(full.end(), cont.begin(), cont.end());
  const size_t keep = std::min(full.size(), static_cast<size_t>(max_length) + 1);
  std::vector<int32_t> inp(full.end() - static_cast<std::ptrdiff_t>(keep), full.end() - 1);
  SeqWork w;
  const int32_t n_targets = static_cast<int32_t>(std::min(cont.size(), inp.size()));
  for (int32_t i = 0; i < n_targets; ++i) {
    const int32_t row = static_cast<int32_t>(inp.size()) - n_targets + i;
    w.outputs.push_back({row, cont[cont.size() - n_targets + i]});
  }
  w.tokens = std::move(inp);
  w.own_slot = wave.take(static_cast<int32_t>(w.tokens.size()));
  wave.works.push_back(std::move(w));
  wave.targets.emplace_back(wave.works.back().outputs.size(), target);
}

bool fits(const TokenGroup& g, const std::vector<int32_t>& cont, int max_length) {
  return g.context.size() + cont.size() <= static_cast<size_t>(max_length) + 1;
}

int32_t group_tokens(const TokenGroup& g, int max_length) {
  int32_t n = static_cast<int32_t>(g.context.size());
  for (auto& c : g.continuations)
    n += fits(g, c, max_length) ? std::max<int32_t>(0, static_cast<int32_t>(c.size()) - 1)
                                : static_cast<int32_t>(std::min(g.context.size() + c.size(), size_t(max_length) + 1));
  return n;
}

void add_group(Wave& wave, const TokenGroup& g, size_t gi, int max_length) {
  // Pairs longer than max_length + 1 are truncated differently by lm-eval: scored standalone.
  for (size_t ci = 0; ci < g.continuations.size(); ++ci)
    if (!g.continuations[ci].empty() && !fits(g, g.continuations[ci], max_length))
      add_standalone(wave, g.context, g.continuations[ci], max_length, {gi, ci});
  // The context once; its last row predicts the first token of every continuation.
  SeqWork ctx;
  ctx.tokens = g.context;
  std::vector<Target> ctx_targets;
  const int32_t last = static_cast<int32_t>(ctx.tokens.size()) - 1;
  for (size_t ci = 0; ci < g.continuations.size(); ++ci) {
    if (g.continuations[ci].empty() || !fits(g, g.continuations[ci], max_length)) continue;
    ctx.outputs.push_back({last, g.continuations[ci][0]});
    ctx_targets.push_back({gi, ci});
  }
  if (ctx.outputs.empty()) return;
  ctx.own_slot = wave.take(static_cast<int32_t>(ctx.tokens.size()));
  const int32_t prefix_slot = ctx.own_slot, prefix_len = static_cast<int32_t>(ctx.tokens.size());
  wave.works.push_back(std::move(ctx));
  wave.targets.push_back(std::move(ctx_targets));
  // Each continuation's remaining tokens attend to the cached context.
  for (size_t ci = 0; ci < g.continuations.size(); ++ci) {
    const auto& c = g.continuations[ci];
    if (c.size() < 2 || !fits(g, c, max_length)) continue;
    SeqWork w;
    w.tokens.assign(c.begin(), c.end() - 1);
    w.prefix_slot = prefix_slot;
    w.prefix_len = prefix_len;
    w.own_slot = wave.take(static_cast<int32_t>(w.tokens.size()));
    for (int32_t i = 0; i + 1 < static_cast<int32_t>(c.size()); ++i) w.outputs.push_back({i, c[i + 1]});
    wave.works.push_back(std::move(w));
    wave.targets.emplace_back(wave.works.back().outputs.size(), Target{gi, ci});
  }
}

}  // namespace

void score_token_groups(Transformer& model, const std::vector<TokenGroup>& groups, const ScoringOptions& options,
                        const std::function<void(size_t, std::vector<TokenScore>)>& done) {
  for (auto& g : groups)
    if (g.context.empty()) throw std::logic_error("score_token_groups: empty context (use the prefix token)");
  size_t next = 0;
  while (next < groups.size()) {
    Wave wave;
    const size_t first = next;
    int32_t planned = 0;
    while (next < groups.size()) {
      const int32_t need = group_tokens(groups[next], options.max_length);
      if (next > first && planned + need > options.wave_tokens) break;
      planned += need;
      add_group(wave, groups[next], next, options.max_length);
      ++next;
    }
    model.reserve_cache(wave.slots);
    model.run(wave.works);
    std::vector<std::vector<TokenScore>> results(next - first);
    for (size_t g = first; g < next; ++g) results[g - first].resize(groups[g].continuations.size());
    for (size_t w = 0; w < wave.works.size(); ++w) {
      const SeqWork& work = wave.works[w];
      for (size_t o = 0; o < work.outputs.size(); ++o) {
        const Target& t = wave.targets[w][o];
        TokenScore& s = results[t.group - first][t.cont];
        s.logprob += work.logprob[o];
        s.is_greedy = s.is_greedy && work.argmax[o] == work.outputs[o].target;
        s.n_tokens += 1;
      }
    }
    for (size_t g = first; g < next; ++g) done(g, std::move(results[g - first]));
  }
}

std::vector<TokenScore> score_token_pairs_naive(Transformer& model, const std::vector<int32_t>& context,
                                                const std::vector<std::vector<int32_t>>& continuations,
                                                int max_length) {
  std::vector<TokenScore> out;
  for (size_t ci = 0; ci < continuations.size(); ++ci) {
    Wave wave;
    add_standalone(wave, context, continuations[ci], max_length, {0, 0});
    model.reserve_cache(wave.slots);
    model.run(wave.works);
    TokenScore s;
    const SeqWork& w = wave.works[0];
    for (size_t o = 0; o < w.outputs.size(); ++o) {
      s.logprob += w.logprob[o];
      s.is_greedy = s.is_greedy && w.argmax[o] == w.outputs[o].target;
      s.n_tokens += 1;
    }
    out.push_back(s);
  }
  return out;
}

std::vector<std::pair<std::vector<int32_t>, std::vector<int32_t>>> rolling_windows(const std::vector<int32_t>& tokens,
                                                                                   int32_t prefix_token,
                                                                                   int max_length) {
  std::vector<std::pair<std::vector<int32_t>, std::vector<int32_t>>> out;
  if (tokens.empty()) return out;
  const size_t L = static_cast<size_t>(max_length), n = tokens.size();
  const size_t pred_len = L;  // max_seq_len - context_len + 1 with context_len = 1
  const size_t first = std::min(L, n);
  std::vector<int32_t> a{prefix_token};
  a.insert(a.end(), tokens.begin(), tokens.begin() + static_cast<std::ptrdiff_t>(first - 1));
  std::vector<int32_t> b(tokens.begin(), tokens.begin() + static_cast<std::ptrdiff_t>(first));
  out.emplace_back(std::move(a), std::move(b));
  size_t predicted = first;
  while (predicted < n) {
    const size_t wlen = std::min(n - predicted, pred_len);
    const size_t end = predicted + wlen;
    // tokens[end - L - 1 : end - 1] with Python's clamping of a negative start to 0... (start >= 0 here)
    const size_t start = end >= L + 1 ? end - L - 1 : 0;
    std::vector<int32_t> ctx(tokens.begin() + static_cast<std::ptrdiff_t>(start),
                             tokens.begin() + static_cast<std::ptrdiff_t>(end - 1));
    std::vector<int32_t> cont(tokens.begin() + static_cast<std::ptrdiff_t>(end - wlen),
                              tokens.begin() + static_cast<std::ptrdiff_t>(end));
    out.emplace_back(std::move(ctx), std::move(cont));
    predicted += wlen;
  }
  // make_disjoint_window: a[: len(a) - (len(b) - 1)]
  for (auto& [a2, b2] : out) a2.resize(a2.size() - (b2.size() - 1));
  return out;
}

std::vector<float> sequence_logprobs(Transformer& model, const std::vector<int32_t>& tokens) {
  std::vector<float> out;
  if (tokens.size() < 2) return out;
  std::vector<SeqWork> works(1);
  works[0].tokens.assign(tokens.begin(), tokens.end() - 1);
  for (int32_t i = 0; i + 1 < static_cast<int32_t>(tokens.size()); ++i) works[0].outputs.push_back({i, tokens[i + 1]});
  model.reserve_cache(static_cast<int>(works[0].tokens.size()));
  model.run(works);
  return works[0].logprob;
}

}  // namespace evalrun::engine
