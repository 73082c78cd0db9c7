#pragma once
// The one transformer forward pass (Llama/Mistral/Qwen2/Qwen3 differ only in ModelSpec data), run on a
// Device over packed batches of sequences that may attend to a cached shared prefix.
#include <cstdint>
#include <memory>
#include <vector>

#include "backends/engine/ops.h"
#include "backends/model/weights.h"

namespace evalrun::engine {

// A row whose next-token distribution is needed: log p(target | tokens up to and including `index`).
struct OutputRow {
  int32_t index = 0;   // index into SeqWork::tokens
  int32_t target = -1; // token id to score (-1: none, e.g. only the argmax or logits are wanted)
};

// One sequence (or the continuation of one) to run. Its new tokens get absolute positions
// prefix_len + own_cached + i and are written to cache slots own_slot + own_cached + i.
struct SeqWork {
  std::vector<int32_t> tokens;
  int32_t prefix_slot = 0, prefix_len = 0;  // cached shared prefix (prefix_len 0: none)
  int32_t own_slot = 0, own_cached = 0;     // own slot range and tokens of it already cached
  std::vector<OutputRow> outputs;
  bool want_logits = false;  // also return the full fp32 logits of every output row (sampling)

  // Filled by Transformer::run, one entry per output (logits: outputs.size() × vocab).
  std::vector<float> logprob;
  std::vector<int32_t> argmax;
  std::vector<float> logits;
};

struct TransformerOptions {
  int max_batch_tokens = 2048;  // rows per forward (long sequences are split into chunks)
  int max_logit_rows = 64;      // lm_head rows per chunk
};

class Transformer {
 public:
  Transformer(std::shared_ptr<const model::ModelWeights> weights, std::unique_ptr<Device> device,
              TransformerOptions options = {});

  const model::ModelConfig& config() const { return weights_->spec.config; }
  Device& device() { return *device_; }
  const TransformerOptions& options() const { return options_; }

  // KV cache capacity in tokens; reserve() grows it and DISCARDS its contents (call between waves).
  int cache_slots() const { return cache_slots_; }
  void reserve_cache(int slots);
  // Bytes of KV cache per token (all layers, K and V).
  size_t cache_bytes_per_token() const;

  // Runs every work item (in order for chunks of one item), filling its results.
  void run(std::vector<SeqWork>& works);

 private:
  struct Layer {
    BufferPtr w[model::kNumRoles];
    const Tensor* t(model::WeightRole r) const {
      auto& b = w[static_cast<size_t>(r)];
      return b ? &b->tensor : nullptr;
    }
  };
  struct Piece {  // a chunk of one work item inside one forward
    SeqWork* work;
    int32_t begin, count;
  };
  void forward(const std::vector<Piece>& pieces);
  Tensor scratch(int slot, DType dtype, int64_t rows, int64_t cols);

  std::shared_ptr<const model::ModelWeights> weights_;
  std::unique_ptr<Device> device_;
  TransformerOptions options_;
  BufferPtr embed_, final_norm_, lm_head_;
  std::vector<Layer> layers_;
  std::vector<float> inv_freq_;
  std::vector<BufferPtr> cache_k_, cache_v_;
  int cache_slots_ = 0;
  std::vector<BufferPtr> scratch_;  // reused activation buffers, grown on demand
};

}  // namespace evalrun::engine
