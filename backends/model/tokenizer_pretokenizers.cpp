// Pre-tokenizers of tokenizer.json, following the Rust `tokenizers` definitions (pre_tokenizers/*.rs).
#include <algorithm>

#include "backends/model/tokenizer_impl.h"
#include "backends/model/tokenizer_unicode.h"

namespace evalrun::model::tok {

Behavior parse_behavior(const Json& j, const Where& where) {
  if (!j.is_string()) where.fail("expected a split behavior string");
  std::string b = j.get<std::string>();
  if (b == "Removed") return Behavior::kRemoved;
  if (b == "Isolated") return Behavior::kIsolated;
  if (b == "MergedWithPrevious") return Behavior::kMergedWithPrevious;
  if (b == "MergedWithNext") return Behavior::kMergedWithNext;
  if (b == "Contiguous") return Behavior::kContiguous;
  where.fail("unknown split behavior '" + b +
             "' (expected Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous)");
}

void split_by_matches(std::string_view text, bool at_start, const std::vector<Match>& matches,
                      Behavior behavior, SplitList& out) {
  auto emit = [&](uint32_t b, uint32_t e) { out.add(text.substr(b, e - b), at_start && b == 0); };
  switch (behavior) {
    case Behavior::kIsolated:
      for (const Match& m : matches) emit(m.begin, m.end);
      return;
    case Behavior::kRemoved:
      for (const Match& m : matches)
        if (!m.is_match) emit(m.begin, m.end);
      return;
    default:
      break;
  }
  // The merging behaviors fold runs together exactly as NormalizedString::split does.
  thread_local std::vector<std::pair<uint32_t, uint32_t>> acc;
  acc.clear();
  bool previous_match = false;
  if (behavior == Behavior::kContiguous) {
    for (const Match& m : matches) {
      if (m.is_match == previous_match && !acc.empty()) acc.back().second = m.end;
      else acc.emplace_back(m.begin, m.end);
      previous_match = m.is_match;
    }
  } else if (behavior == Behavior::kMergedWithPrevious) {
    for (const Match& m : matches) {
      if (m.is_match && !previous_match && !acc.empty()) acc.back().second = m.end;
      else acc.emplace_back(m.begin, m.end);
      previous_match = m.is_match;
    }
  } else {  // kMergedWithNext: walk backwards
    for (size_t k = matches.size(); k-- > 0;) {
      const Match& m = matches[k];
      if (m.is_match && !previous_match && !acc.empty()) acc.back().first = m.begin;
      else acc.emplace_back(m.begin, m.end);
      previous_match = m.is_match;
    }
    std::reverse(acc.begin(), acc.end());
  }
  for (auto [b, e] : acc) emit(b, e);
}

namespace {

// Matches of a per-character predicate (HF's `impl Pattern for Fn(char) -> bool`).
template <class Pred>
void char_matches(std::string_view text, Pred pred, std::vector<Match>& out) {
  out.clear();
  if (text.empty()) {
    out.push_back({0, 0, false});
    return;
  }
  uint32_t last = 0;
  for (size_t i = 0; i < text.size();) {
    int len;
    char32_t c = decode_utf8(text, i, len);
    uint32_t b = uint32_t(i), e = uint32_t(i + static_cast<size_t>(len));
    if (pred(c)) {
      if (last < b) out.push_back({last, b, false});
      out.push_back({b, e, true});
      last = e;
    }
    i = e;
  }
  if (last < text.size()) out.push_back({last, uint32_t(text.size()), false});
}

// Base for pre-tokenizers that cut each text split independently.
class PerSplit : public PreTokenizer {
 public:
  void pre_tokenize(const SplitList& in, SplitList& out) const override {
    out.clear();
    out.buf.reserve(in.buf.size() + 16);
    for (const Split& s : in.items) {
      if (s.token_id >= 0) {
        out.items.push_back(s);
        continue;
      }
      split_one(in.text(s), s.at_start, out);
    }
  }
  virtual void split_one(std::string_view text, bool at_start, SplitList& out) const = 0;
};

class SplitPre final : public PerSplit {
 public:
  SplitPre(std::unique_ptr<SplitPattern> p, Behavior b, bool invert)
      : pattern_(std::move(p)), behavior_(b), invert_(invert) {}
  void split_one(std::string_view text, bool at_start, SplitList& out) const override {
    thread_local std::vector<Match> m;
    pattern_->find_matches(text, m);
    if (invert_)
      for (Match& x : m) x.is_match = !x.is_match;
    split_by_matches(text, at_start, m, behavior_, out);
  }

 private:
  std::unique_ptr<SplitPattern> pattern_;
  Behavior behavior_;
  bool invert_;
};

template <class Pred>
class CharSplit final : public PerSplit {
 public:
  CharSplit(Pred p, Behavior b) : pred_(p), behavior_(b) {}
  void split_one(std::string_view text, bool at_start, SplitList& out) const override {
    thread_local std::vector<Match> m;
    char_matches(text, pred_, m);
    split_by_matches(text, at_start, m, behavior_, out);
  }

 private:
  Pred pred_;
  Behavior behavior_;
};
template <class Pred>
std::unique_ptr<PreTokenizer> char_split(Pred p, Behavior b) {
  return std::make_unique<CharSplit<Pred>>(p, b);
}

class ByteLevelPre final : public PerSplit {
 public:
  ByteLevelPre(bool add_prefix_space, bool use_regex) : add_prefix_space_(add_prefix_space), use_regex_(use_regex) {}
  void split_one(std::string_view text, bool at_start, SplitList& out) const override {
    thread_local std::string prefixed;
    thread_local std::vector<Match> m;
    if (add_prefix_space_ && !text.empty() && text[0] != ' ') {
      prefixed.assign(" ");
      prefixed.append(text);
      text = prefixed;
    }
    if (!use_regex_) {
      emit_mapped(text, at_start, out);
      return;
    }
    gpt2_pattern().find_matches(text, m);
    for (const Match& x : m) emit_mapped(text.substr(x.begin, x.end - x.begin), at_start && x.begin == 0, out);
  }

 private:
  static void emit_mapped(std::string_view piece, bool at_start, SplitList& out) {
    if (piece.empty()) return;
    const ByteLevelTable& t = byte_level_table();
    uint32_t b = static_cast<uint32_t>(out.buf.size());
    for (unsigned char ch : piece) out.buf.append(t.utf8[ch], t.len[ch]);
    out.items.push_back({b, static_cast<uint32_t>(out.buf.size()), -1, at_start});
  }
  bool add_prefix_space_, use_regex_;
};

enum class Prepend { kAlways, kFirst, kNever };

class MetaspacePre final : public PerSplit {
 public:
  MetaspacePre(char32_t replacement, Prepend scheme, bool split)
      : replacement_(replacement), scheme_(scheme), split_(split) {
    append_utf8(rep_, replacement);
  }
  void split_one(std::string_view text, bool at_start, SplitList& out) const override {
    thread_local std::string s;
    thread_local std::vector<Match> m;
    s.clear();
    for (char ch : text) {
      if (ch == ' ') s += rep_;
      else s += ch;
    }
    bool starts = s.compare(0, rep_.size(), rep_) == 0;
    if (!s.empty() && !starts && (scheme_ == Prepend::kAlways || (scheme_ == Prepend::kFirst && at_start)))
      s.insert(0, rep_);
    if (!split_) {
      out.add(s, at_start);
      return;
    }
    char32_t r = replacement_;
    char_matches(s, [r](char32_t c) { return c == r; }, m);
    split_by_matches(s, at_start, m, Behavior::kMergedWithNext, out);
  }

 private:
  char32_t replacement_;
  std::string rep_;
  Prepend scheme_;
  bool split_;
};

// Whitespace: `\w+|[^\w\s]+` kept, everything else removed.
class WhitespacePre final : public PerSplit {
 public:
  void split_one(std::string_view text, bool at_start, SplitList& out) const override {
    size_t i = 0;
    int cls_run = -1;  // 0: word run, 1: other run
    size_t run_begin = 0;
    auto flush = [&](size_t end) {
      if (cls_run >= 0) out.add(text.substr(run_begin, end - run_begin), at_start && run_begin == 0);
      cls_run = -1;
    };
    while (i < text.size()) {
      int len;
      char32_t c = decode_utf8(text, i, len);
      int cls = is_word(c) ? 0 : is_whitespace(c) ? 2 : 1;
      if (cls != cls_run) {
        flush(i);
        if (cls != 2) {
          cls_run = cls;
          run_begin = i;
        }
      }
      i += static_cast<size_t>(len);
    }
    flush(text.size());
  }
};

class BertPre final : public PreTokenizer {
 public:
  void pre_tokenize(const SplitList& in, SplitList& out) const override {
    SplitList mid;  // not thread_local: a BertPreTokenizer may run inside another's pipeline
    ws_->pre_tokenize(in, mid);
    punct_->pre_tokenize(mid, out);
  }

 private:
  std::unique_ptr<PreTokenizer> ws_ = char_split(is_whitespace, Behavior::kRemoved);
  std::unique_ptr<PreTokenizer> punct_ = char_split(is_punctuation, Behavior::kIsolated);
};

class SequencePre final : public PreTokenizer {
 public:
  explicit SequencePre(std::vector<std::unique_ptr<PreTokenizer>> parts) : parts_(std::move(parts)) {}
  void pre_tokenize(const SplitList& in, SplitList& out) const override {
    if (parts_.empty()) {
      out = in;
      return;
    }
    // Intermediate lists are reused per thread and per nesting depth (a Sequence may hold a Sequence).
    thread_local std::vector<std::unique_ptr<SplitList[]>> pool;
    thread_local size_t depth = 0;
    if (pool.size() <= depth) pool.push_back(std::make_unique<SplitList[]>(2));
    SplitList* tmp = pool[depth].get();
    struct DepthGuard {
      size_t& d;
      explicit DepthGuard(size_t& x) : d(x) { ++d; }
      ~DepthGuard() { --d; }
    } guard(depth);
    const SplitList* cur = &in;
    for (size_t k = 0; k < parts_.size(); ++k) {
      SplitList* dst = k + 1 == parts_.size() ? &out : &tmp[k % 2];
      if (dst == cur) dst = &tmp[(k + 1) % 2];
      parts_[k]->pre_tokenize(*cur, *dst);
      cur = dst;
    }
    if (cur != &out) out = *cur;
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> parts_;
};

}  // namespace

char32_t single_char(const std::string& s, const Where& where) {
  int len = 0;
  if (s.empty() || find_invalid_utf8(s) != std::string::npos) where.fail("expected a single character");
  char32_t c = decode_utf8(s, 0, len);
  if (static_cast<size_t>(len) != s.size()) where.fail("expected a single character, got \"" + s + "\"");
  return c;
}

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const Json& j, const Where& where) {
  if (!j.is_object()) where.fail("expected a pre-tokenizer object");
  std::string type = get_string(j, "type", where);
  if (type == "Split") {
    if (!j.contains("pattern")) where.at("pattern").fail("missing");
    if (!j.contains("behavior")) where.at("behavior").fail("missing");
    return std::make_unique<SplitPre>(make_pattern(j["pattern"], where.at("pattern")),
                                      parse_behavior(j["behavior"], where.at("behavior")),
                                      get_bool(j, "invert", where, false));
  }
  if (type == "ByteLevel")
    return std::make_unique<ByteLevelPre>(get_bool(j, "add_prefix_space", where, true),
                                          get_bool(j, "use_regex", where, true));
  if (type == "Metaspace") {
    std::string rep = get_string(j, "replacement", where);
    Prepend scheme = Prepend::kAlways;
    if (j.contains("prepend_scheme") && !j["prepend_scheme"].is_null()) {
      std::string p = get_string(j, "prepend_scheme", where);
      if (p == "always") scheme = Prepend::kAlways;
      else if (p == "first") scheme = Prepend::kFirst;
      else if (p == "never") scheme = Prepend::kNever;
      else where.at("prepend_scheme").fail("expected always, first or never, got '" + p + "'");
    }
    if (j.contains("add_prefix_space") && j["add_prefix_space"].is_boolean() && !j["add_prefix_space"].get<bool>()) {
      if (j.contains("prepend_scheme") && scheme != Prepend::kNever)
        where.fail("add_prefix_space does not match declared prepend_scheme");
      scheme = Prepend::kNever;
    }
    return std::make_unique<MetaspacePre>(single_char(rep, where.at("replacement")), scheme,
                                          get_bool(j, "split", where, true));
  }
  if (type == "Digits") {
    bool individual = get_bool(j, "individual_digits", where, false);
    return char_split(is_number, individual ? Behavior::kIsolated : Behavior::kContiguous);
  }
  if (type == "Whitespace") return std::make_unique<WhitespacePre>();
  if (type == "WhitespaceSplit") return char_split(is_whitespace, Behavior::kRemoved);
  if (type == "Punctuation") {
    Behavior b = Behavior::kIsolated;
    if (j.contains("behavior")) b = parse_behavior(j["behavior"], where.at("behavior"));
    return char_split(is_punctuation, b);
  }
  if (type == "BertPreTokenizer") return std::make_unique<BertPre>();
  if (type == "CharDelimiterSplit") {
    char32_t d = single_char(get_string(j, "delimiter", where), where.at("delimiter"));
    return char_split([d](char32_t c) { return c == d; }, Behavior::kRemoved);
  }
  if (type == "Sequence") {
    if (!j.contains("pretokenizers") || !j["pretokenizers"].is_array())
      where.at("pretokenizers").fail("expected an array of pre-tokenizers");
    std::vector<std::unique_ptr<PreTokenizer>> parts;
    for (size_t i = 0; i < j["pretokenizers"].size(); ++i)
      parts.push_back(make_pre_tokenizer(j["pretokenizers"][i], where.at("pretokenizers").at(i)));
    return std::make_unique<SequencePre>(std::move(parts));
  }
  where.at("type").fail("unsupported pre-tokenizer type '" + type +
                        "' (supported: Split, ByteLevel, Metaspace, Digits, Whitespace, WhitespaceSplit, "
                        "Punctuation, BertPreTokenizer, CharDelimiterSplit, Sequence)");
}

}  // namespace evalrun::model::tok
