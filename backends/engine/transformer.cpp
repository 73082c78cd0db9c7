#include "backends/engine/transformer.h"

#include <cmath>
#include <stdexcept>

#include "backends/engine/rope.h"
#include "common/errors.h"

namespace evalrun::engine {

using model::WeightRole;

namespace {

enum ScratchSlot {
  kIds, kSlots, kCos, kSin, kSeqs, kOutIdx, kTargets,
  kH, kX, kQ, kK, kV, kAttn, kTmp, kGate, kUp, kSel, kLogits, kNumScratch
};

DType to_dtype(model::WeightDType t) {
  switch (t) {
    case model::WeightDType::kF32: return DType::kF32;
    case model::WeightDType::kBF16: return DType::kBF16;
    case model::WeightDType::kF16: return DType::kF16;
  }
  return DType::kF32;
}

HostTensor host(const model::HostWeight& w) { return HostTensor{w.data, to_dtype(w.dtype), w.rows, w.cols}; }

}  // namespace

Transformer::Transformer(std::shared_ptr<const model::ModelWeights> weights, std::unique_ptr<Device> device,
                         TransformerOptions options)
    : weights_(std::move(weights)), device_(std::move(device)), options_(options) {
  const auto& w = *weights_;
  embed_ = device_->upload_weight(host(w.embed));
  final_norm_ = device_->upload_weight(host(w.final_norm));
  lm_head_ = device_->upload_weight(host(w.lm_head));
  layers_.resize(w.layers.size());
  for (size_t l = 0; l < w.layers.size(); ++l)
    for (size_t r = 0; r < model::kNumRoles; ++r)
      if (w.layers[l][r]) layers_[l].w[r] = device_->upload_weight(host(w.layers[l][r]));
  inv_freq_ = rope_inv_freq(config());
  scratch_.resize(kNumScratch);
  if (options_.max_batch_tokens < 1 || options_.max_logit_rows < 1)
    throw UserError("engine: max batch tokens and logit rows must be positive");
}

size_t Transformer::cache_bytes_per_token() const {
  const auto& c = config();
  return size_t{2} * c.num_layers * c.num_kv_heads * c.head_dim * dtype_size(device_->cache_dtype());
}

void Transformer::reserve_cache(int slots) {
  if (slots <= cache_slots_) return;
  const auto& c = config();
  cache_k_.clear();
  cache_v_.clear();
  cache_slots_ = 0;
  for (int l = 0; l < c.num_layers; ++l) {
    cache_k_.push_back(device_->alloc(device_->cache_dtype(), slots, int64_t{c.num_kv_heads} * c.head_dim));
    cache_v_.push_back(device_->alloc(device_->cache_dtype(), slots, int64_t{c.num_kv_heads} * c.head_dim));
  }
  cache_slots_ = slots;
}

Tensor Transformer::scratch(int slot, DType dtype, int64_t rows, int64_t cols) {
  auto& b = scratch_[slot];
  const size_t need = static_cast<size_t>(std::max<int64_t>(rows, 1) * cols) * dtype_size(dtype);
  if (!b || b->tensor.bytes() < need) {
    b.reset();
    // Grow by 1.5x so slowly increasing batches do not reallocate every time.
    const int64_t elems = static_cast<int64_t>((need + need / 2) / dtype_size(dtype)) + 1;
    b = device_->alloc(dtype, elems, 1);
  }
  Tensor t = b->tensor;
  t.dtype = dtype;
  t.rows = rows;
  t.cols = cols;
  t.ld = 0;
  return t;
}

void Transformer::run(std::vector<SeqWork>& works) {
  for (auto& w : works) {
    w.logprob.assign(w.outputs.size(), 0.f);
    w.argmax.assign(w.outputs.size(), -1);
    w.logits.clear();
    if (w.want_logits) w.logits.assign(w.outputs.size() * static_cast<size_t>(config().vocab_size), 0.f);
    const int64_t end = int64_t{w.own_cached} + static_cast<int64_t>(w.tokens.size());
    if (w.own_slot + end > cache_slots_ || (w.prefix_len && w.prefix_slot + w.prefix_len > cache_slots_))
      throw std::logic_error("engine: sequence outside the KV cache");
    for (auto& o : w.outputs)
      if (o.index < 0 || o.index >= static_cast<int32_t>(w.tokens.size()))
        throw std::logic_error("engine: output row outside its sequence");
  }
  // Greedy packing in order; a sequence longer than the remaining budget is split into chunks.
  std::vector<Piece> pieces;
  int32_t used = 0;
  const int32_t budget = options_.max_batch_tokens;
  for (auto& w : works) {
    int32_t begin = 0;
    const int32_t total = static_cast<int32_t>(w.tokens.size());
    while (begin < total) {
      if (used == budget) {
        forward(pieces);
        pieces.clear();
        used = 0;
      }
      const int32_t take = std::min(total - begin, budget - used);
      pieces.push_back({&w, begin, take});
      used += take;
      begin += take;
    }
  }
  if (!pieces.empty()) forward(pieces);
}

void Transformer::forward(const std::vector<Piece>& pieces) {
  const auto& c = config();
  Device& d = *device_;
  const DType act = d.activation_dtype();
  int64_t n = 0;
  for (auto& p : pieces) n += p.count;
  const int half = c.head_dim / 2;
  const int64_t qdim = int64_t{c.num_heads} * c.head_dim, kvdim = int64_t{c.num_kv_heads} * c.head_dim;

  // Host-side batch metadata.
  std::vector<int32_t> ids, slots, positions, out_idx, targets;
  std::vector<AttnSeq> seqs;
  struct OutRef {
    SeqWork* work;
    size_t output;
  };
  std::vector<OutRef> out_refs;
  ids.reserve(n);
  int32_t row = 0, max_q = 0, max_kv = 0;
  for (auto& p : pieces) {
    SeqWork& w = *p.work;
    for (int32_t i = p.begin; i < p.begin + p.count; ++i) {
      ids.push_back(w.tokens[i]);
      if (w.tokens[i] < 0 || w.tokens[i] >= c.vocab_size)
        throw UserError("engine: token id " + std::to_string(w.tokens[i]) + " outside the model's vocabulary of " +
                        std::to_string(c.vocab_size));
      positions.push_back(w.prefix_len + w.own_cached + i);
      slots.push_back(w.own_slot + w.own_cached + i);
    }
    AttnSeq s;
    s.q_start = row;
    s.q_len = p.count;
    s.prefix_slot = w.prefix_slot;
    s.prefix_len = w.prefix_len;
    s.own_slot = w.own_slot;
    s.own_len = w.own_cached + p.begin + p.count;
    seqs.push_back(s);
    max_q = std::max(max_q, p.count);
    max_kv = std::max(max_kv, s.prefix_len + s.own_len);
    for (size_t o = 0; o < w.outputs.size(); ++o) {
      const int32_t idx = w.outputs[o].index;
      if (idx >= p.begin && idx < p.begin + p.count) {
        out_idx.push_back(row + idx - p.begin);
        targets.push_back(w.outputs[o].target);
        out_refs.push_back({&w, o});
      }
    }
    row += p.count;
  }
  std::vector<float> cos(static_cast<size_t>(n) * half), sin(cos.size());
  rope_tables(inv_freq_, positions, cos.data(), sin.data());

  Tensor t_ids = scratch(kIds, DType::kI32, n, 1), t_slots = scratch(kSlots, DType::kI32, n, 1);
  Tensor t_cos = scratch(kCos, DType::kF32, n, half), t_sin = scratch(kSin, DType::kF32, n, half);
  Tensor t_seqs = scratch(kSeqs, DType::kI32, static_cast<int64_t>(seqs.size()), 6);
  d.upload(ids.data(), t_ids);
  d.upload(slots.data(), t_slots);
  d.upload(cos.data(), t_cos);
  d.upload(sin.data(), t_sin);
  d.upload(seqs.data(), t_seqs);

  Tensor h = scratch(kH, act, n, c.hidden_size), x = scratch(kX, act, n, c.hidden_size);
  Tensor q = scratch(kQ, act, n, qdim), k = scratch(kK, act, n, kvdim), v = scratch(kV, act, n, kvdim);
  Tensor attn = scratch(kAttn, act, n, qdim), tmp = scratch(kTmp, act, n, c.hidden_size);
  Tensor gate = scratch(kGate, act, n, c.intermediate_size), up = scratch(kUp, act, n, c.intermediate_size);
  const float eps = static_cast<float>(c.rms_norm_eps);

  d.embedding(embed_->tensor, t_ids, h);
  d.rmsnorm(h, *layers_[0].t(WeightRole::kInputNorm), eps, x);
  for (int l = 0; l < c.num_layers; ++l) {
    const Layer& L = layers_[l];
    d.matmul(x, *L.t(WeightRole::kQ), L.t(WeightRole::kQBias), q);
    d.matmul(x, *L.t(WeightRole::kK), L.t(WeightRole::kKBias), k);
    d.matmul(x, *L.t(WeightRole::kV), L.t(WeightRole::kVBias), v);
    if (const Tensor* qn = L.t(WeightRole::kQNorm)) {
      Tensor qh = q.reshaped(n * c.num_heads, c.head_dim), kh = k.reshaped(n * c.num_kv_heads, c.head_dim);
      d.rmsnorm(qh, *qn, eps, qh);
      d.rmsnorm(kh, *L.t(WeightRole::kKNorm), eps, kh);
    }
    d.rope(q, c.num_heads, c.head_dim, t_cos, t_sin);
    d.rope(k, c.num_kv_heads, c.head_dim, t_cos, t_sin);
    d.kv_write(cache_k_[l]->tensor, cache_v_[l]->tensor, k, v, t_slots);
    AttentionParams ap;
    ap.n_heads = c.num_heads;
    ap.n_kv_heads = c.num_kv_heads;
    ap.head_dim = c.head_dim;
    ap.scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(c.head_dim)));
    ap.window = c.layer_window[l];
    ap.max_q_len = max_q;
    ap.max_kv_len = max_kv;
    d.attention(q, cache_k_[l]->tensor, cache_v_[l]->tensor, t_seqs, seqs, ap, attn);
    d.matmul(attn, *L.t(WeightRole::kO), L.t(WeightRole::kOBias), tmp);
    d.add_rmsnorm(h, tmp, *L.t(WeightRole::kPostNorm), eps, x);
    d.matmul(x, *L.t(WeightRole::kGate), L.t(WeightRole::kGateBias), gate);
    d.matmul(x, *L.t(WeightRole::kUp), L.t(WeightRole::kUpBias), up);
    d.swiglu(gate, up, gate);
    d.matmul(gate, *L.t(WeightRole::kDown), L.t(WeightRole::kDownBias), tmp);
    const Tensor& next_norm = l + 1 < c.num_layers ? *layers_[l + 1].t(WeightRole::kInputNorm) : final_norm_->tensor;
    d.add_rmsnorm(h, tmp, next_norm, eps, x);  // after the last layer: the final norm
  }
  if (out_idx.empty()) return;

  // lm_head only for the rows whose distributions are needed, in chunks.
  const int64_t r_total = static_cast<int64_t>(out_idx.size());
  Tensor t_out = scratch(kOutIdx, DType::kI32, r_total, 1), t_tg = scratch(kTargets, DType::kI32, r_total, 1);
  d.upload(out_idx.data(), t_out);
  d.upload(targets.data(), t_tg);
  Tensor sel = scratch(kSel, act, r_total, c.hidden_size);
  d.gather_rows(x, t_out, sel);
  const int64_t chunk = options_.max_logit_rows;
  Tensor logits_buf = scratch(kLogits, DType::kF32, std::min(chunk, r_total), c.vocab_size);
  std::vector<float> lp(static_cast<size_t>(r_total));
  std::vector<int32_t> am(static_cast<size_t>(r_total));
  std::vector<float> host_logits;
  for (int64_t r0 = 0; r0 < r_total; r0 += chunk) {
    const int64_t rc = std::min(chunk, r_total - r0);
    Tensor logits = logits_buf.row_range(0, rc);
    d.matmul(sel.row_range(r0, rc), lm_head_->tensor, nullptr, logits);
    d.logprobs(logits, t_tg.row_range(r0, rc), lp.data() + r0, am.data() + r0);
    bool want = false;
    for (int64_t r = r0; r < r0 + rc; ++r) want |= out_refs[r].work->want_logits;
    if (!want) continue;
    host_logits.resize(static_cast<size_t>(rc) * c.vocab_size);
    d.download(logits, host_logits.data());
    for (int64_t r = r0; r < r0 + rc; ++r) {
      SeqWork& w = *out_refs[r].work;
      if (!w.want_logits) continue;
      std::copy_n(host_logits.data() + (r - r0) * c.vocab_size, c.vocab_size,
                  w.logits.data() + out_refs[r].output * c.vocab_size);
    }
  }
  for (int64_t r = 0; r < r_total; ++r) {
    out_refs[r].work->logprob[out_refs[r].output] = lp[r];
    out_refs[r].work->argmax[out_refs[r].output] = am[r];
  }
}

}  // namespace evalrun::engine
