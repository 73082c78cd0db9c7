// The BPE model (models/bpe/{model,word}.rs in the Rust library): same initial symbols (prefix/suffix,
// byte_fallback, unk fusing), same merge order (lowest rank first, then leftmost position, stale queue
// entries recognised by their new id), plus a word cache.
#include "backends/model/tokenizer_bpe.h"

#include <algorithm>
#include <cstdio>

#include "backends/model/tokenizer_unicode.h"
#include "common/errors.h"

namespace evalrun::model::tok {

namespace {
constexpr size_t kCacheMaxEntries = 1 << 15;
constexpr size_t kCacheMaxWordBytes = 256;

struct MergeLess {
  // std heap functions build a max-heap; invert so the smallest (rank, pos) is on top.
  bool operator()(const BpeScratch::Merge& a, const BpeScratch::Merge& b) const {
    if (a.rank != b.rank) return a.rank > b.rank;
    return a.pos > b.pos;
  }
};
constexpr MergeLess merge_less{};

inline uint64_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return x;
}
}  // namespace

// ---- StringIdMap -------------------------------------------------------------------------------------

void StringIdMap::reserve(size_t n) {
  size_t cap = 16;
  while (cap < n * 2) cap <<= 1;
  if (cap <= slots_.size()) return;
  std::vector<Slot> old;
  old.swap(slots_);
  slots_.assign(cap, Slot{});
  count_ = 0;
  for (const Slot& s : old) {
    if (!s.used) continue;
    size_t mask = slots_.size() - 1;
    size_t i = hash_bytes(arena_.data() + s.off, s.len) & mask;
    while (slots_[i].used) i = (i + 1) & mask;
    slots_[i] = s;
    ++count_;
  }
}

void StringIdMap::grow() { reserve(std::max<size_t>(16, count_ * 2 + 2)); }

void StringIdMap::set(std::string_view key, int32_t value) {
  if (slots_.empty() || (count_ + 1) * 2 > slots_.size()) grow();
  size_t mask = slots_.size() - 1;
  size_t i = hash_bytes(key.data(), key.size()) & mask;
  while (slots_[i].used) {
    if (std::string_view(arena_.data() + slots_[i].off, slots_[i].len) == key) {
      slots_[i].value = value;
      return;
    }
    i = (i + 1) & mask;
  }
  slots_[i] = Slot{static_cast<uint32_t>(arena_.size()), static_cast<uint32_t>(key.size()), value, true};
  arena_.append(key);
  ++count_;
}

const int32_t* StringIdMap::find(std::string_view key) const {
  if (slots_.empty()) return nullptr;
  size_t mask = slots_.size() - 1;
  size_t i = hash_bytes(key.data(), key.size()) & mask;
  while (slots_[i].used) {
    const Slot& s = slots_[i];
    if (s.len == key.size() && std::memcmp(arena_.data() + s.off, key.data(), key.size()) == 0) return &s.value;
    i = (i + 1) & mask;
  }
  return nullptr;
}

// ---- loading -----------------------------------------------------------------------------------------

std::unique_ptr<BpeModel> BpeModel::load(const Json& j, const Where& where) {
  auto m = std::make_unique<BpeModel>();
  if (!j.contains("vocab") || !j["vocab"].is_object()) where.at("vocab").fail("expected an object token -> id");
  if (!j.contains("merges") || !j["merges"].is_array()) where.at("merges").fail("expected an array of merges");
  if (j.contains("dropout") && !j["dropout"].is_null() && j["dropout"].is_number() &&
      j["dropout"].get<double>() > 0.0)
    where.at("dropout").fail("BPE dropout is random and not supported for evaluation");
  const Json& vocab = j["vocab"];
  m->vocab_.reserve(vocab.size());
  int32_t max_id = -1;
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    if (!it.value().is_number_integer() || it.value().get<int64_t>() < 0 || it.value().get<int64_t>() > INT32_MAX)
      where.at("vocab").fail("token " + Json(it.key()).dump() + ": expected a non-negative integer id");
    int32_t id = it.value().get<int32_t>();
    m->vocab_.set(it.key(), id);
    max_id = std::max(max_id, id);
  }
  m->id_to_token_.assign(static_cast<size_t>(max_id + 1), std::string());
  m->has_id_.assign(static_cast<size_t>(max_id + 1), false);
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    int32_t id = it.value().get<int32_t>();
    m->id_to_token_[static_cast<size_t>(id)] = it.key();
    m->has_id_[static_cast<size_t>(id)] = true;
  }
  auto opt_string = [&](const char* key) -> std::optional<std::string> {
    if (!j.contains(key) || j[key].is_null()) return std::nullopt;
    if (!j[key].is_string()) where.at(key).fail("expected a string or null");
    return j[key].get<std::string>();
  };
  m->unk_token_ = opt_string("unk_token");
  if (auto p = opt_string("continuing_subword_prefix")) { m->prefix_ = *p; m->has_prefix_ = true; }
  if (auto s = opt_string("end_of_word_suffix")) { m->suffix_ = *s; m->has_suffix_ = true; }
  auto opt_bool = [&](const char* key) {
    if (!j.contains(key) || j[key].is_null()) return false;
    if (!j[key].is_boolean()) where.at(key).fail("expected true, false or null");
    return j[key].get<bool>();
  };
  m->fuse_unk_ = opt_bool("fuse_unk");
  m->byte_fallback_ = opt_bool("byte_fallback");
  m->ignore_merges_ = opt_bool("ignore_merges");

  // Merges: "a b" strings (the legacy form; "#version" lines skipped) or [a, b] pairs.
  const Json& merges = j["merges"];
  size_t cap = 16;
  while (cap < merges.size() * 2 + 2) cap <<= 1;
  m->merges_.assign(cap, MergeSlot{~0ull, 0});
  m->merge_mask_ = cap - 1;
  uint32_t rank = 0;
  std::string a, b, joined;
  for (size_t i = 0; i < merges.size(); ++i) {
    const Json& e = merges[i];
    if (e.is_string()) {
      const std::string& line = e.get_ref<const std::string&>();
      if (line.rfind("#version", 0) == 0) continue;
      size_t sp = line.find(' ');
      if (sp == std::string::npos || line.find(' ', sp + 1) != std::string::npos)
        where.at("merges").at(i).fail("expected \"left right\" (two tokens separated by one space), got " +
                                      Json(line).dump());
      a = line.substr(0, sp);
      b = line.substr(sp + 1);
    } else if (e.is_array() && e.size() == 2 && e[0].is_string() && e[1].is_string()) {
      a = e[0].get<std::string>();
      b = e[1].get<std::string>();
    } else {
      where.at("merges").at(i).fail("expected \"left right\" or [left, right]");
    }
    const int32_t* ia = m->vocab_.find(a);
    const int32_t* ib = m->vocab_.find(b);
    if (!ia) where.at("merges").at(i).fail("merge token " + Json(a).dump() + " is not in the vocabulary");
    if (!ib) where.at("merges").at(i).fail("merge token " + Json(b).dump() + " is not in the vocabulary");
    size_t skip = m->has_prefix_ ? std::min(m->prefix_.size(), b.size()) : 0;
    joined = a + b.substr(skip);
    const int32_t* inew = m->vocab_.find(joined);
    if (!inew) where.at("merges").at(i).fail("merged token " + Json(joined).dump() + " is not in the vocabulary");
    uint64_t key = (static_cast<uint64_t>(static_cast<uint32_t>(*ia)) << 32) | static_cast<uint32_t>(*ib);
    size_t slot = mix64(key) & m->merge_mask_;
    while (m->merges_[slot].key != ~0ull && m->merges_[slot].key != key) slot = (slot + 1) & m->merge_mask_;
    // A repeated pair keeps its last rank, like the Rust HashMap collect.
    m->merges_[slot] = MergeSlot{key, (static_cast<uint64_t>(rank) << 32) | static_cast<uint32_t>(*inew)};
    ++rank;
  }

  if (!m->has_prefix_ && !m->has_suffix_) {
    m->char_ids_.assign(0x10000, -1);
    for (size_t id = 0; id < m->id_to_token_.size(); ++id) {
      const std::string& t = m->id_to_token_[id];
      if (!m->has_id_[id] || t.empty()) continue;
      int len;
      if (find_invalid_utf8(t) != std::string::npos) continue;
      char32_t c = decode_utf8(t, 0, len);
      if (static_cast<size_t>(len) == t.size() && c < 0x10000) m->char_ids_[c] = static_cast<int32_t>(id);
    }
  }
  for (int byte = 0; byte < 256; ++byte) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", byte);
    const int32_t* id = m->vocab_.find(name);
    m->byte_ids_[byte] = id ? *id : -1;
  }
  return m;
}

std::optional<int32_t> BpeModel::token_to_id(std::string_view token) const {
  const int32_t* id = vocab_.find(token);
  if (!id) return std::nullopt;
  return *id;
}

const std::string* BpeModel::id_to_token(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= id_to_token_.size() || !has_id_[static_cast<size_t>(id)]) return nullptr;
  return &id_to_token_[static_cast<size_t>(id)];
}

const uint64_t* BpeModel::find_merge(int32_t a, int32_t b) const {
  uint64_t key = (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  size_t slot = mix64(key) & merge_mask_;
  while (true) {
    const MergeSlot& e = merges_[slot];
    if (e.key == key) return &e.value;
    if (e.key == ~0ull) return nullptr;
    slot = (slot + 1) & merge_mask_;
  }
}

// ---- encoding ----------------------------------------------------------------------------------------

void BpeModel::tokenize(std::string_view word, std::vector<int32_t>& out, BpeScratch& sc) const {
  if (word.empty()) return;
  if (ignore_merges_) {
    if (const int32_t* id = vocab_.find(word)) {
      out.push_back(*id);
      return;
    }
  }
  if (word.size() > kCacheMaxWordBytes) {
    merge_word(word, out, sc);
    return;
  }
  uint64_t h = hash_bytes(word.data(), word.size());
  if (sc.cache_slots.empty()) sc.cache_slots.assign(kCacheMaxEntries * 2, BpeScratch::CacheSlot{});
  size_t mask = sc.cache_slots.size() - 1;
  size_t i = h & mask;
  while (sc.cache_slots[i].used) {
    const auto& s = sc.cache_slots[i];
    if (s.hash == h && s.key_len == word.size() &&
        std::memcmp(sc.cache_keys.data() + s.key_off, word.data(), word.size()) == 0) {
      out.insert(out.end(), sc.cache_ids.begin() + s.ids_off, sc.cache_ids.begin() + s.ids_off + s.ids_len);
      return;
    }
    i = (i + 1) & mask;
  }
  size_t before = out.size();
  merge_word(word, out, sc);
  if (sc.cache_count >= kCacheMaxEntries) {
    // Full: start over (cheap, and keeps memory bounded).
    std::fill(sc.cache_slots.begin(), sc.cache_slots.end(), BpeScratch::CacheSlot{});
    sc.cache_keys.clear();
    sc.cache_ids.clear();
    sc.cache_count = 0;
    i = h & mask;
  }
  BpeScratch::CacheSlot slot;
  slot.hash = h;
  slot.key_off = static_cast<uint32_t>(sc.cache_keys.size());
  slot.key_len = static_cast<uint32_t>(word.size());
  slot.ids_off = static_cast<uint32_t>(sc.cache_ids.size());
  slot.ids_len = static_cast<uint32_t>(out.size() - before);
  slot.used = true;
  sc.cache_keys.append(word);
  sc.cache_ids.insert(sc.cache_ids.end(), out.begin() + static_cast<std::ptrdiff_t>(before), out.end());
  sc.cache_slots[i] = slot;
  ++sc.cache_count;
}

void BpeModel::merge_word(std::string_view w, std::vector<int32_t>& out, BpeScratch& sc) const {
  auto& sym = sc.symbols;
  sym.clear();
  auto add = [&](int32_t id) {
    int32_t pos = static_cast<int32_t>(sym.size());
    if (pos > 0) sym.back().next = pos;
    sym.push_back({id, pos - 1, -1, true});
  };
  int32_t unk_id = -1;
  bool unk_pending = false;
  auto unk_lookup = [&]() -> int32_t {
    const int32_t* id = vocab_.find(*unk_token_);
    if (!id) throw UserError("tokenizer: unk_token " + Json(*unk_token_).dump() + " is not in the vocabulary");
    return *id;
  };
  std::string tmp;
  for (size_t i = 0; i < w.size();) {
    int len;
    char32_t c = decode_utf8(w, i, len);
    bool is_first = i == 0;
    bool is_last = i + static_cast<size_t>(len) >= w.size();
    std::string_view s = w.substr(i, static_cast<size_t>(len));
    int32_t id = -1;
    if (!char_ids_.empty()) {
      if (c < 0x10000) id = char_ids_[c];
      else if (const int32_t* p = vocab_.find(s)) id = *p;
    } else {
      tmp.clear();
      if (!is_first && has_prefix_) tmp += prefix_;
      tmp.append(s);
      if (is_last && has_suffix_) tmp += suffix_;
      s = tmp;
      if (const int32_t* p = vocab_.find(s)) id = *p;
    }
    i += static_cast<size_t>(len);
    if (id >= 0) {
      if (unk_pending) { add(unk_id); unk_pending = false; }
      add(id);
      continue;
    }
    if (byte_fallback_) {
      bool all = true;
      for (unsigned char b : s) all = all && byte_ids_[b] >= 0;
      if (all) {
        // Note: a pending unk is not flushed here (the Rust code `continue`s past it).
        for (unsigned char b : s) add(byte_ids_[b]);
        continue;
      }
    }
    if (unk_token_) {
      if (unk_pending && fuse_unk_) continue;
      if (unk_pending) add(unk_id);
      unk_id = unk_lookup();
      unk_pending = true;
    }
  }
  if (unk_pending) add(unk_id);

  // merge_all
  auto& heap = sc.heap;
  heap.clear();
  for (size_t k = 0; k + 1 < sym.size(); ++k) {
    if (const uint64_t* m = find_merge(sym[k].id, sym[k + 1].id))
      heap.push_back({static_cast<uint32_t>(*m >> 32), static_cast<int32_t>(k), static_cast<int32_t>(*m & 0xffffffffu)});
  }
  std::make_heap(heap.begin(), heap.end(), merge_less);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), merge_less);
    BpeScratch::Merge top = heap.back();
    heap.pop_back();
    auto& cur = sym[static_cast<size_t>(top.pos)];
    if (!cur.alive || cur.next < 0) continue;
    int32_t next_pos = cur.next;
    const auto right = sym[static_cast<size_t>(next_pos)];
    const uint64_t* m = find_merge(cur.id, right.id);
    if (!m || static_cast<int32_t>(*m & 0xffffffffu) != top.new_id) continue;
    cur.id = top.new_id;
    cur.next = right.next;
    sym[static_cast<size_t>(next_pos)].alive = false;
    if (right.next >= 0) sym[static_cast<size_t>(right.next)].prev = top.pos;
    if (cur.prev >= 0) {
      const auto& p = sym[static_cast<size_t>(cur.prev)];
      if (const uint64_t* pm = find_merge(p.id, cur.id)) {
        heap.push_back({static_cast<uint32_t>(*pm >> 32), cur.prev, static_cast<int32_t>(*pm & 0xffffffffu)});
        std::push_heap(heap.begin(), heap.end(), merge_less);
      }
    }
    if (cur.next >= 0) {
      const auto& n = sym[static_cast<size_t>(cur.next)];
      if (const uint64_t* nm = find_merge(cur.id, n.id)) {
        heap.push_back({static_cast<uint32_t>(*nm >> 32), top.pos, static_cast<int32_t>(*nm & 0xffffffffu)});
        std::push_heap(heap.begin(), heap.end(), merge_less);
      }
    }
  }
  for (const auto& s : sym)
    if (s.alive) out.push_back(s.id);
}

}  // namespace evalrun::model::tok
