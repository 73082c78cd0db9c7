// Decoders (decoders/*.rs and the Decoder impls of ByteLevel/Metaspace/Replace in the Rust library) and
// the byte-level alphabet they share with the pre-tokenizer.
#include <algorithm>
#include <iterator>

#include "backends/model/tokenizer_impl.h"
#include "backends/model/tokenizer_unicode.h"

namespace evalrun::model::tok {

const ByteLevelTable& byte_level_table() {
  static const ByteLevelTable table = [] {
    ByteLevelTable t{};
    std::fill(std::begin(t.byte_of_cp), std::end(t.byte_of_cp), int16_t(-1));
    // GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the others map to 256 + n.
    int n = 0;
    for (int b = 0; b < 256; ++b) {
      bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      char32_t cp = printable ? static_cast<char32_t>(b) : static_cast<char32_t>(256 + n++);
      std::string u;
      append_utf8(u, cp);
      t.len[b] = static_cast<uint8_t>(u.size());
      for (size_t k = 0; k < u.size(); ++k) t.utf8[b][k] = u[k];
      t.byte_of_cp[cp] = static_cast<int16_t>(b);
    }
    return t;
  }();
  return table;
}

namespace {

class ByteLevelDecoder final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    const ByteLevelTable& t = byte_level_table();
    std::string bytes;
    for (const std::string& tok : tokens) {
      size_t start = bytes.size();
      bool ok = true;
      for (size_t i = 0; i < tok.size();) {
        int len;
        char32_t c = decode_utf8(tok, i, len);
        if (c >= 512 || t.byte_of_cp[c] < 0) { ok = false; break; }
        bytes.push_back(static_cast<char>(t.byte_of_cp[c]));
        i += static_cast<size_t>(len);
      }
      if (!ok) {  // a token outside the alphabet passes through as its own bytes
        bytes.resize(start);
        bytes += tok;
      }
    }
    tokens.assign(1, utf8_lossy(bytes));
  }
};

class MetaspaceDecoder final : public Decoder {
 public:
  MetaspaceDecoder(char32_t rep, bool prepend) : rep_(rep), prepend_(prepend) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (size_t k = 0; k < tokens.size(); ++k) {
      std::string out;
      const std::string& tok = tokens[k];
      for (size_t i = 0; i < tok.size();) {
        int len;
        char32_t c = decode_utf8(tok, i, len);
        if (c == rep_) {
          if (!(k == 0 && prepend_)) out += ' ';
        } else {
          out.append(tok, i, static_cast<size_t>(len));
        }
        i += static_cast<size_t>(len);
      }
      tokens[k].swap(out);
    }
  }

 private:
  char32_t rep_;
  bool prepend_;
};

class ByteFallbackDecoder final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<std::string> out;
    std::string pending;
    auto flush = [&]() {
      if (pending.empty()) return;
      if (find_invalid_utf8(pending) == std::string::npos) {
        out.push_back(pending);
      } else {
        for (size_t i = 0; i < pending.size(); ++i) out.emplace_back("\xEF\xBF\xBD");
      }
      pending.clear();
    };
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    for (std::string& tok : tokens) {
      if (tok.size() == 6 && tok.compare(0, 3, "<0x") == 0 && tok[5] == '>' && hex(tok[3]) >= 0 && hex(tok[4]) >= 0) {
        pending.push_back(static_cast<char>(hex(tok[3]) * 16 + hex(tok[4])));
        continue;
      }
      flush();
      out.push_back(std::move(tok));
    }
    flush();
    tokens.swap(out);
  }
};

class FuseDecoder final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string all;
    for (const auto& t : tokens) all += t;
    tokens.assign(1, std::move(all));
  }
};

class StripDecoder final : public Decoder {
 public:
  StripDecoder(char32_t c, size_t start, size_t stop) : c_(c), start_(start), stop_(stop) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (std::string& tok : tokens) {
      std::vector<std::pair<size_t, size_t>> chars;  // byte ranges
      for (size_t i = 0; i < tok.size();) {
        int len;
        decode_utf8(tok, i, len);
        chars.emplace_back(i, static_cast<size_t>(len));
        i += static_cast<size_t>(len);
      }
      auto char_at = [&](size_t k) { int l; return decode_utf8(tok, chars[k].first, l); };
      size_t start_cut = 0;
      for (size_t k = 0; k < start_ && k < chars.size(); ++k) {
        if (char_at(k) == c_) start_cut = k + 1;
        else break;
      }
      size_t stop_cut = chars.size();
      for (size_t k = 0; k < stop_ && k < chars.size(); ++k) {
        size_t index = chars.size() - k - 1;
        if (char_at(index) == c_) stop_cut = index;
        else break;
      }
      if (start_cut >= stop_cut) {
        tok.clear();
        continue;
      }
      size_t b = start_cut < chars.size() ? chars[start_cut].first : tok.size();
      size_t e = stop_cut < chars.size() ? chars[stop_cut].first : tok.size();
      tok = tok.substr(b, e - b);
    }
  }

 private:
  char32_t c_;
  size_t start_, stop_;
};

class ReplaceDecoder final : public Decoder {
 public:
  ReplaceDecoder(std::unique_ptr<SplitPattern> p, std::string content)
      : pattern_(std::move(p)), content_(std::move(content)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<Match> m;
    for (std::string& tok : tokens) {
      pattern_->find_matches(tok, m);
      std::string out;
      for (const Match& x : m) {
        if (x.is_match) out += content_;
        else out.append(tok, x.begin, x.end - x.begin);
      }
      tok.swap(out);
    }
  }

 private:
  std::unique_ptr<SplitPattern> pattern_;
  std::string content_;
};

// BPEDecoder: the end-of-word suffix becomes a space (nothing on the last token).
class BpeDecoder final : public Decoder {
 public:
  explicit BpeDecoder(std::string suffix) : suffix_(std::move(suffix)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (size_t k = 0; k < tokens.size(); ++k) {
      if (suffix_.empty()) continue;
      std::string out;
      const std::string& t = tokens[k];
      const char* rep = k + 1 == tokens.size() ? "" : " ";
      size_t pos = 0;
      while (true) {
        size_t f = t.find(suffix_, pos);
        if (f == std::string::npos) break;
        out.append(t, pos, f - pos);
        out += rep;
        pos = f + suffix_.size();
      }
      out.append(t, pos, std::string::npos);
      tokens[k].swap(out);
    }
  }

 private:
  std::string suffix_;
};

class SequenceDecoder final : public Decoder {
 public:
  explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> parts) : parts_(std::move(parts)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (const auto& p : parts_) p->decode_chain(tokens);
  }

 private:
  std::vector<std::unique_ptr<Decoder>> parts_;
};

}  // namespace

std::unique_ptr<Decoder> make_decoder(const Json& j, const Where& where) {
  if (!j.is_object()) where.fail("expected a decoder object");
  std::string type = get_string(j, "type", where);
  if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
  if (type == "Metaspace") {
    bool prepend = true;
    if (j.contains("prepend_scheme") && j["prepend_scheme"].is_string())
      prepend = j["prepend_scheme"].get<std::string>() != "never";
    if (j.contains("add_prefix_space") && j["add_prefix_space"].is_boolean() && !j["add_prefix_space"].get<bool>())
      prepend = false;
    return std::make_unique<MetaspaceDecoder>(single_char(get_string(j, "replacement", where), where.at("replacement")),
                                              prepend);
  }
  if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
  if (type == "Fuse") return std::make_unique<FuseDecoder>();
  if (type == "Strip")
    return std::make_unique<StripDecoder>(single_char(get_string(j, "content", where), where.at("content")),
                                          static_cast<size_t>(get_int(j, "start", where, 0)),
                                          static_cast<size_t>(get_int(j, "stop", where, 0)));
  if (type == "Replace") {
    if (!j.contains("pattern")) where.at("pattern").fail("missing");
    return std::make_unique<ReplaceDecoder>(make_pattern(j["pattern"], where.at("pattern")),
                                            get_string(j, "content", where));
  }
  if (type == "BPEDecoder") {
    std::string def = "</w>";
    return std::make_unique<BpeDecoder>(get_string(j, "suffix", where, &def));
  }
  if (type == "Sequence") {
    if (!j.contains("decoders") || !j["decoders"].is_array()) where.at("decoders").fail("expected an array of decoders");
    std::vector<std::unique_ptr<Decoder>> parts;
    for (size_t i = 0; i < j["decoders"].size(); ++i)
      parts.push_back(make_decoder(j["decoders"][i], where.at("decoders").at(i)));
    return std::make_unique<SequenceDecoder>(std::move(parts));
  }
  where.at("type").fail("unsupported decoder type '" + type +
                        "' (supported: ByteLevel, Metaspace, ByteFallback, Fuse, Strip, Replace, BPEDecoder, "
                        "Sequence)");
}

}  // namespace evalrun::model::tok
