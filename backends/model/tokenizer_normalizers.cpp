// Normalizers of tokenizer.json, following the Rust `tokenizers` definitions (normalizers/*.rs).
#include "backends/model/tokenizer_impl.h"
#include "backends/model/tokenizer_unicode.h"

namespace evalrun::model::tok {

namespace {

class UnicodeNormalizer final : public Normalizer {
 public:
  explicit UnicodeNormalizer(NormalForm f) : form_(f) {}
  void normalize(std::string& s, bool&) const override { normalize_unicode(s, form_); }

 private:
  NormalForm form_;
};

class Lowercase final : public Normalizer {
 public:
  void normalize(std::string& s, bool&) const override {
    bool ascii = true;
    for (char& ch : s) {
      if (static_cast<unsigned char>(ch) >= 0x80) { ascii = false; break; }
    }
    if (ascii) {
      for (char& ch : s)
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch + 32);
      return;
    }
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
      int len;
      char32_t c = decode_utf8(s, i, len);
      append_lowercase(out, c);
      i += static_cast<size_t>(len);
    }
    s.swap(out);
  }
};

class Strip final : public Normalizer {
 public:
  Strip(bool left, bool right) : left_(left), right_(right) {}
  void normalize(std::string& s, bool& at_start) const override {
    size_t b = 0, e = s.size();
    if (left_) {
      while (b < e) {
        int len;
        char32_t c = decode_utf8(s, b, len);
        if (!is_whitespace(c)) break;
        b += static_cast<size_t>(len);
      }
    }
    if (right_) {
      while (e > b) {
        size_t k = e - 1;
        while (k > b && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80) --k;
        int len;
        char32_t c = decode_utf8(s, k, len);
        if (!is_whitespace(c)) break;
        e = k;
      }
    }
    if (b > 0 && b < e) at_start = false;
    s = s.substr(b, e - b);
  }

 private:
  bool left_, right_;
};

class StripAccents final : public Normalizer {
 public:
  void normalize(std::string& s, bool&) const override {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
      int len;
      char32_t c = decode_utf8(s, i, len);
      if (!is_combining_mark(c)) out.append(s, i, static_cast<size_t>(len));
      i += static_cast<size_t>(len);
    }
    s.swap(out);
  }
};

class Prepend final : public Normalizer {
 public:
  explicit Prepend(std::string p) : prefix_(std::move(p)) {}
  void normalize(std::string& s, bool&) const override {
    if (!s.empty()) s.insert(0, prefix_);
  }

 private:
  std::string prefix_;
};

class Replace final : public Normalizer {
 public:
  Replace(std::unique_ptr<SplitPattern> p, std::string content)
      : pattern_(std::move(p)), content_(std::move(content)) {}
  void normalize(std::string& s, bool& at_start) const override {
    thread_local std::vector<Match> matches;
    pattern_->find_matches(s, matches);
    std::string out;
    out.reserve(s.size());
    for (const Match& m : matches) {
      if (m.is_match) {
        if (m.begin == 0 && m.end > 0 && content_.empty()) at_start = false;
        out += content_;
      } else {
        out.append(s, m.begin, m.end - m.begin);
      }
    }
    s.swap(out);
  }

 private:
  std::unique_ptr<SplitPattern> pattern_;
  std::string content_;
};

class ByteLevelNormalizer final : public Normalizer {
 public:
  void normalize(std::string& s, bool&) const override {
    const ByteLevelTable& t = byte_level_table();
    std::string out;
    out.reserve(s.size() * 2);
    for (unsigned char b : s) out.append(t.utf8[b], t.len[b]);
    s.swap(out);
  }
};

class SequenceNormalizer final : public Normalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> parts) : parts_(std::move(parts)) {}
  void normalize(std::string& s, bool& at_start) const override {
    for (const auto& p : parts_) p->normalize(s, at_start);
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> parts_;
};

}  // namespace

// A {"String": ...} or {"Regex": ...} pattern object (Replace normalizer/decoder, Split pre-tokenizer).
std::unique_ptr<SplitPattern> make_pattern(const Json& j, const Where& where) {
  if (!j.is_object()) where.fail("expected an object {\"String\": ...} or {\"Regex\": ...}");
  if (j.contains("String") && j["String"].is_string()) return make_literal_pattern(j["String"].get<std::string>());
  if (j.contains("Regex") && j["Regex"].is_string())
    return make_regex_pattern(j["Regex"].get<std::string>(), where);
  where.fail("expected an object {\"String\": ...} or {\"Regex\": ...}");
}

std::unique_ptr<Normalizer> make_normalizer(const Json& j, const Where& where) {
  if (!j.is_object()) where.fail("expected a normalizer object");
  std::string type = get_string(j, "type", where);
  if (type == "NFC") return std::make_unique<UnicodeNormalizer>(NormalForm::kNFC);
  if (type == "NFD") return std::make_unique<UnicodeNormalizer>(NormalForm::kNFD);
  if (type == "NFKC") return std::make_unique<UnicodeNormalizer>(NormalForm::kNFKC);
  if (type == "NFKD") return std::make_unique<UnicodeNormalizer>(NormalForm::kNFKD);
  if (type == "Lowercase") return std::make_unique<Lowercase>();
  if (type == "Strip")
    return std::make_unique<Strip>(get_bool(j, "strip_left", where, true), get_bool(j, "strip_right", where, true));
  if (type == "StripAccents") return std::make_unique<StripAccents>();
  if (type == "Prepend") return std::make_unique<Prepend>(get_string(j, "prepend", where));
  if (type == "Replace") {
    if (!j.contains("pattern")) where.at("pattern").fail("missing");
    return std::make_unique<Replace>(make_pattern(j["pattern"], where.at("pattern")),
                                     get_string(j, "content", where));
  }
  if (type == "ByteLevel") return std::make_unique<ByteLevelNormalizer>();
  if (type == "Precompiled") {
    // A SentencePiece charsmap; only the empty one (identity) is supported.
    const char* key = "precompiled_charsmap";
    if (!j.contains(key) || j[key].is_null() || (j[key].is_string() && j[key].get<std::string>().empty()))
      return std::make_unique<SequenceNormalizer>(std::vector<std::unique_ptr<Normalizer>>{});
    where.at("type").fail("unsupported normalizer type 'Precompiled' with a non-empty precompiled_charsmap");
  }
  if (type == "Sequence") {
    if (!j.contains("normalizers") || !j["normalizers"].is_array())
      where.at("normalizers").fail("expected an array of normalizers");
    std::vector<std::unique_ptr<Normalizer>> parts;
    for (size_t i = 0; i < j["normalizers"].size(); ++i)
      parts.push_back(make_normalizer(j["normalizers"][i], where.at("normalizers").at(i)));
    return std::make_unique<SequenceNormalizer>(std::move(parts));
  }
  where.at("type").fail("unsupported normalizer type '" + type +
                        "' (supported: NFC, NFD, NFKC, NFKD, Lowercase, Strip, StripAccents, Prepend, Replace, "
                        "ByteLevel, Sequence)");
}

}  // namespace evalrun::model::tok
