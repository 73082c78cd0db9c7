#include "backends/engine/generation.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/errors.h"

namespace evalrun::engine {

double sample_uniform(uint64_t seed, int sample, int step) {
  uint64_t z = seed * 0x9e3779b97f4a7c15ull + static_cast<uint64_t>(sample) * 0xd1b54a32d192ed03ull +
               static_cast<uint64_t>(step) * 0x8cb92ba72f3d8dd7ull + 0x632be59bd9b4e019ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

int32_t sample_token(const float* logits, int vocab, double temperature, double top_p, double u) {
  double mx = -INFINITY;
  for (int i = 0; i < vocab; ++i) mx = std::max(mx, static_cast<double>(logits[i]));
  std::vector<double> p(vocab);
  double sum = 0;
  for (int i = 0; i < vocab; ++i) sum += p[i] = std::exp((logits[i] - mx) / temperature);
  std::vector<int32_t> order(vocab);
  std::iota(order.begin(), order.end(), 0);
  size_t keep = order.size();
  if (top_p < 1.0) {
    // Nucleus: the most probable tokens until their mass reaches top_p (ties broken by lower id).
    std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return p[a] > p[b]; });
    double cum = 0;
    for (size_t i = 0; i < order.size(); ++i) {
      cum += p[order[i]] / sum;
      if (cum >= top_p) {
        keep = i + 1;
        break;
      }
    }
  }
  double kept = 0;
  for (size_t i = 0; i < keep; ++i) kept += p[order[i]];
  double target = u * kept, acc = 0;
  for (size_t i = 0; i < keep; ++i) {
    acc += p[order[i]];
    if (target < acc) return order[i];
  }
  return order[keep - 1];
}

namespace {

struct Sample {
  size_t request;
  int index;             // sample index within the request (RNG stream)
  int32_t own_slot = 0;
  std::vector<int32_t> tokens;  // generated so far
  std::string text;             // decoded so far
  size_t checked = 0;           // bytes of text already searched for stop strings
  bool done = false;
  size_t cut = std::string::npos;
};

}  // namespace

void generate_tokens(Transformer& model, const model::Tokenizer& tok, const std::vector<TokenGenRequest>& requests,
                     const GenOptions& options, const std::function<void(size_t, std::vector<std::string>)>& done) {
  const int vocab = model.config().vocab_size;
  size_t next = 0;
  while (next < requests.size()) {
    // One wave: prompts + their samples' slots.
    const size_t first = next;
    int32_t slots = 0;
    std::vector<int32_t> prompt_slot;
    while (next < requests.size()) {
      const auto& r = requests[next];
      if (r.prompt.empty()) throw std::logic_error("generate: empty prompt");
      if (r.n < 1 || r.max_tokens < 0) throw UserError("generate: n must be >= 1 and max_tokens >= 0");
      const int32_t need = static_cast<int32_t>(r.prompt.size()) + r.n * std::max(r.max_tokens, 1);
      if (next > first && slots + need > options.wave_tokens) break;
      prompt_slot.push_back(slots);
      slots += need;
      ++next;
    }
    model.reserve_cache(slots);
    // Prefill: every prompt once; its last row gives the first token of each sample.
    std::vector<SeqWork> prefill;
    std::vector<Sample> samples;
    for (size_t r = first; r < next; ++r) {
      const auto& req = requests[r];
      SeqWork w;
      w.tokens = req.prompt;
      w.own_slot = prompt_slot[r - first];
      w.outputs.push_back({static_cast<int32_t>(req.prompt.size()) - 1, -1});
      w.want_logits = req.temperature > 0;
      prefill.push_back(std::move(w));
      int32_t s0 = prompt_slot[r - first] + static_cast<int32_t>(req.prompt.size());
      for (int i = 0; i < req.n; ++i) {
        Sample s;
        s.request = r;
        s.index = i;
        s.own_slot = s0 + i * std::max(req.max_tokens, 1);
        s.done = req.max_tokens == 0;
        samples.push_back(std::move(s));
      }
    }
    model.run(prefill);

    auto accept = [&](Sample& s, int32_t token) {
      const auto& req = requests[s.request];
      if (std::find(options.eos_ids.begin(), options.eos_ids.end(), token) != options.eos_ids.end()) {
        s.done = true;
        return;
      }
      s.tokens.push_back(token);
      s.text = tok.decode(s.tokens, true);
      // Incremental stop check: only where a stop string could newly end.
      size_t max_stop = 0;
      for (auto& u : req.until) max_stop = std::max(max_stop, u.size());
      const size_t from = s.checked > max_stop ? s.checked - max_stop : 0;
      for (auto& u : req.until) {
        if (u.empty()) continue;
        size_t pos = s.text.find(u, from);
        if (pos != std::string::npos) s.cut = std::min(s.cut, pos);
      }
      s.checked = s.text.size();
      if (s.cut != std::string::npos || static_cast<int>(s.tokens.size()) >= req.max_tokens) s.done = true;
    };
    auto pick = [&](const Sample& s, const SeqWork& w, size_t out, int step) {
      const auto& req = requests[s.request];
      if (req.temperature <= 0) return w.argmax[out];
      return sample_token(w.logits.data() + out * static_cast<size_t>(vocab), vocab, req.temperature, req.top_p,
                          sample_uniform(req.seed, s.index, step));
    };
    size_t si = 0;
    for (size_t r = first; r < next; ++r)
      for (int i = 0; i < requests[r].n; ++i, ++si)
        if (!samples[si].done) accept(samples[si], pick(samples[si], prefill[r - first], 0, 0));

    // Decode steps: every unfinished sample feeds its last token.
    for (int step = 1;; ++step) {
      std::vector<SeqWork> works;
      std::vector<size_t> owner;
      for (size_t i = 0; i < samples.size(); ++i) {
        Sample& s = samples[i];
        if (s.done) continue;
        const auto& req = requests[s.request];
        SeqWork w;
        w.tokens = {s.tokens.back()};
        w.prefix_slot = prompt_slot[s.request - first];
        w.prefix_len = static_cast<int32_t>(req.prompt.size());
        w.own_slot = s.own_slot;
        w.own_cached = static_cast<int32_t>(s.tokens.size()) - 1;
        w.outputs.push_back({0, -1});
        w.want_logits = req.temperature > 0;
        works.push_back(std::move(w));
        owner.push_back(i);
      }
      if (works.empty()) break;
      model.run(works);
      for (size_t k = 0; k < works.size(); ++k) accept(samples[owner[k]], pick(samples[owner[k]], works[k], 0, step));
    }
    si = 0;
    for (size_t r = first; r < next; ++r) {
      std::vector<std::string> texts;
      for (int i = 0; i < requests[r].n; ++i, ++si) {
        Sample& s = samples[si];
        texts.push_back(s.cut == std::string::npos ? s.text : s.text.substr(0, s.cut));
      }
      done(r, std::move(texts));
    }
  }
}

}  // namespace evalrun::engine
