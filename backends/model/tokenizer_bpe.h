#pragma once
// The BPE model of tokenizer.json: merge ranks in a flat hash map over (left id, right id), a binary heap
// + linked symbol list per word (the Rust library's algorithm, including its tie-breaking), and a
// per-thread word cache so that repeated words cost one hash lookup.
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backends/model/tokenizer_impl.h"

namespace evalrun::model::tok {

inline uint64_t hash_bytes(const char* p, size_t n) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0xff51afd7ed558ccdull);
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    h = (h ^ v) * 0xbf58476d1ce4e5b9ull;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  uint64_t v = 0;
  std::memcpy(&v, p, n);
  h = (h ^ v) * 0x94d049bb133111ebull;
  h ^= h >> 31;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 32;
  return h;
}

// Open-addressing map from strings (stored in an internal arena) to int32 values.
class StringIdMap {
 public:
  void reserve(size_t n);
  // Inserts or overwrites.
  void set(std::string_view key, int32_t value);
  const int32_t* find(std::string_view key) const;
  size_t size() const { return count_; }

 private:
  struct Slot {
    uint32_t off = 0, len = 0;
    int32_t value = 0;
    bool used = false;
  };
  void grow();
  std::string arena_;
  std::vector<Slot> slots_;
  size_t count_ = 0;
};

// Per-thread scratch space of one tokenizer (word cache included).
struct BpeScratch {
  struct Symbol {
    int32_t id;
    int32_t prev, next;
    bool alive;
  };
  struct Merge {
    uint32_t rank;
    int32_t pos;
    int32_t new_id;
  };
  std::vector<Symbol> symbols;
  std::vector<Merge> heap;
  // Word cache: key bytes and ids live in arenas; slots index them.
  struct CacheSlot {
    uint64_t hash = 0;
    uint32_t key_off = 0, key_len = 0, ids_off = 0, ids_len = 0;
    bool used = false;
  };
  std::vector<CacheSlot> cache_slots;
  std::string cache_keys;
  std::vector<int32_t> cache_ids;
  size_t cache_count = 0;
};

class BpeModel {
 public:
  static std::unique_ptr<BpeModel> load(const Json& j, const Where& where);

  // Appends the ids of one pre-tokenized word.
  void tokenize(std::string_view word, std::vector<int32_t>& out, BpeScratch& scratch) const;

  std::optional<int32_t> token_to_id(std::string_view token) const;
  const std::string* id_to_token(int32_t id) const;
  size_t vocab_size() const { return vocab_.size(); }
  int32_t max_id() const { return static_cast<int32_t>(id_to_token_.size()) - 1; }

 private:
  void merge_word(std::string_view word, std::vector<int32_t>& out, BpeScratch& scratch) const;
  const uint64_t* find_merge(int32_t a, int32_t b) const;  // -> packed (rank << 32 | new_id)

  StringIdMap vocab_;
  std::vector<std::string> id_to_token_;
  std::vector<bool> has_id_;
  // Merges: open addressing over key (a << 32 | b); key and value side by side for cache locality.
  struct MergeSlot {
    uint64_t key;    // ~0: empty
    uint64_t value;  // rank << 32 | new id
  };
  std::vector<MergeSlot> merges_;
  uint64_t merge_mask_ = 0;
  // Single-character tokens below U+10000, for the common no-prefix/no-suffix case.
  std::vector<int32_t> char_ids_;
  std::optional<std::string> unk_token_;
  std::string prefix_, suffix_;
  bool has_prefix_ = false, has_suffix_ = false;
  bool fuse_unk_ = false, byte_fallback_ = false, ignore_merges_ = false;
  int32_t byte_ids_[256];  // <0xXX> ids when byte_fallback (-1 when missing)
};

}  // namespace evalrun::model::tok
