#pragma once
// Internal pieces of the tokenizer.json tokenizer: the component interfaces (normalizers, pre-tokenizers,
// the BPE model, post-processors, decoders) and the split list they pass along. Only text matters here
// (ids are all we return), so splits carry no offset alignments — just a flag telling whether a split
// still starts at the beginning of the original input (Metaspace's prepend_scheme "first" needs it).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace evalrun::model::tok {

using Json = nlohmann::json;

// Where a component came from, for error messages: "<file>: <json path>".
struct Where {
  std::string file;
  std::string path;
  Where at(const std::string& key) const { return {file, path.empty() ? key : path + "." + key}; }
  Where at(size_t index) const { return {file, path + "[" + std::to_string(index) + "]"}; }
  [[noreturn]] void fail(const std::string& what) const;
};

// Reads a typed field; throws UserError through `where` when it has the wrong type.
std::string get_string(const Json& j, const char* key, const Where& where, const std::string* fallback = nullptr);
bool get_bool(const Json& j, const char* key, const Where& where, bool fallback);
int64_t get_int(const Json& j, const char* key, const Where& where, int64_t fallback);
// A JSON string holding exactly one character (Metaspace replacement, Strip content, ...).
char32_t single_char(const std::string& s, const Where& where);

// One piece of text (or an already-recognised added token) inside a SplitList buffer.
struct Split {
  uint32_t begin = 0;
  uint32_t end = 0;
  int32_t token_id = -1;   // >= 0: an added token, left alone by normalizers/pre-tokenizers/model
  bool at_start = false;   // this split begins at offset 0 of the original input
};

struct SplitList {
  std::string buf;
  std::vector<Split> items;
  void clear() { buf.clear(); items.clear(); }
  std::string_view text(const Split& s) const { return std::string_view(buf).substr(s.begin, s.end - s.begin); }
  // Appends a text split (empty text is dropped, as the Rust library does).
  void add(std::string_view text, bool at_start) {
    if (text.empty()) return;
    uint32_t b = static_cast<uint32_t>(buf.size());
    buf.append(text);
    items.push_back({b, static_cast<uint32_t>(buf.size()), -1, at_start});
  }
  void add_token(int32_t id) { items.push_back({0, 0, id, false}); }
};

// ---- normalizers -------------------------------------------------------------------------------------
class Normalizer {
 public:
  virtual ~Normalizer() = default;
  // Normalizes `s` in place; clears `at_start` when the first character of the result no longer comes
  // from the first character of the input.
  virtual void normalize(std::string& s, bool& at_start) const = 0;
};
std::unique_ptr<Normalizer> make_normalizer(const Json& j, const Where& where);

// ---- pre-tokenizers ----------------------------------------------------------------------------------
// How a Split-like pre-tokenizer treats the delimiter matches (HF SplitDelimiterBehavior).
enum class Behavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };
Behavior parse_behavior(const Json& j, const Where& where);

// A (begin, end, is_match) run list covering a string, as HF's Pattern::find_matches returns.
struct Match {
  uint32_t begin, end;
  bool is_match;
};
// Cuts `text` according to `matches` and `behavior`, appending non-empty pieces to `out`.
void split_by_matches(std::string_view text, bool at_start, const std::vector<Match>& matches,
                      Behavior behavior, SplitList& out);

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Splits every text split of `in` into `out` (cleared first); token splits pass through unchanged.
  virtual void pre_tokenize(const SplitList& in, SplitList& out) const = 0;
};
std::unique_ptr<PreTokenizer> make_pre_tokenizer(const Json& j, const Where& where);

// A compiled Split pattern: a hand-written matcher for the GPT-2 / Llama-3 / Qwen2 regexes, RE2 for other
// RE2-compatible regexes, or a literal string. find_matches() follows the Oniguruma semantics the Rust
// library uses (leftmost-first alternation, Unicode \s \d \w, empty matches after a match skipped).
class SplitPattern {
 public:
  virtual ~SplitPattern() = default;
  virtual void find_matches(std::string_view text, std::vector<Match>& out) const = 0;
};
std::unique_ptr<SplitPattern> make_regex_pattern(const std::string& regex, const Where& where);
std::unique_ptr<SplitPattern> make_literal_pattern(const std::string& literal);
// A {"String": ...} or {"Regex": ...} pattern object (Replace, Split).
std::unique_ptr<SplitPattern> make_pattern(const Json& j, const Where& where);
// The GPT-2 pattern ByteLevel applies when use_regex is true.
const SplitPattern& gpt2_pattern();

// ---- the BPE model -----------------------------------------------------------------------------------
class BpeModel;
struct BpeScratch;

// ---- post-processors ---------------------------------------------------------------------------------
class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  // Adds the special tokens of a single sequence (called only when add_special_tokens is true).
  virtual void process(std::vector<int32_t>& ids) const = 0;
};
std::unique_ptr<PostProcessor> make_post_processor(const Json& j, const Where& where);
// A TemplateProcessing equivalent to "[prefix] $A [suffix]" (used for add_bos_token/add_eos_token).
std::unique_ptr<PostProcessor> make_affix_processor(std::vector<int32_t> prefix, std::vector<int32_t> suffix);

// ---- decoders ----------------------------------------------------------------------------------------
class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual void decode_chain(std::vector<std::string>& tokens) const = 0;
};
std::unique_ptr<Decoder> make_decoder(const Json& j, const Where& where);

// ---- byte-level alphabet (GPT-2's bytes_to_unicode) --------------------------------------------------
struct ByteLevelTable {
  char utf8[256][3];   // UTF-8 of the char standing for each byte
  uint8_t len[256];
  int16_t byte_of_cp[512];  // code point (< 512) -> byte, -1 when not in the alphabet
};
const ByteLevelTable& byte_level_table();

}  // namespace evalrun::model::tok
