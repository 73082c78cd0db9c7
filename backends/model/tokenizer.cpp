// The tokenizer.json tokenizer: loading (tokenizer.json + tokenizer_config.json + special_tokens_map.json),
// the encode pipeline (added tokens -> normalizer -> pre-tokenizer -> BPE -> post-processor) and decode.
#include "backends/model/tokenizer.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "backends/model/tokenizer_added.h"
#include "backends/model/tokenizer_bpe.h"
#include "backends/model/tokenizer_impl.h"
#include "backends/model/tokenizer_unicode.h"
#include "common/errors.h"
#include "common/hash.h"

namespace evalrun::model {

namespace tok {

void Where::fail(const std::string& what) const {
  throw UserError(file + ": " + (path.empty() ? "" : path + ": ") + what);
}

std::string get_string(const Json& j, const char* key, const Where& where, const std::string* fallback) {
  if (!j.contains(key) || j[key].is_null()) {
    if (fallback) return *fallback;
    where.at(key).fail("missing (expected a string)");
  }
  if (!j[key].is_string()) where.at(key).fail("expected a string, got " + std::string(j[key].type_name()));
  return j[key].get<std::string>();
}

bool get_bool(const Json& j, const char* key, const Where& where, bool fallback) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  if (!j[key].is_boolean()) where.at(key).fail("expected true or false, got " + std::string(j[key].type_name()));
  return j[key].get<bool>();
}

int64_t get_int(const Json& j, const char* key, const Where& where, int64_t fallback) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  if (!j[key].is_number_integer()) where.at(key).fail("expected an integer, got " + std::string(j[key].type_name()));
  return j[key].get<int64_t>();
}

}  // namespace tok

namespace {

using namespace tok;

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw UserError(p.string() + ": cannot open file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Json parse_json_file(const std::filesystem::path& p, const std::string& text) {
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    std::string what = e.what();
    size_t bracket = what.find("] ");
    if (bracket != std::string::npos) what = what.substr(bracket + 2);
    throw UserError(p.string() + ": invalid JSON (" + std::to_string(text.size()) + " bytes" +
                    (e.byte >= text.size() ? ", truncated?" : "") + "): " + what);
  }
}

// bos_token/eos_token in tokenizer_config.json or special_tokens_map.json: a string or {"content": ...}.
std::optional<std::string> token_field(const Json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return std::nullopt;
  const Json& v = j[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v["content"].is_string()) return v["content"].get<std::string>();
  return std::nullopt;
}

std::atomic<uint64_t> g_serial{1};

class HfTokenizer final : public Tokenizer {
 public:
  explicit HfTokenizer(const std::filesystem::path& dir_or_file) { load(dir_or_file); }

  std::vector<int32_t> encode(std::string_view text, bool add_special_tokens) const override {
    std::vector<int32_t> ids;
    encode_into(text, add_special_tokens, ids, scratch());
    return ids;
  }

  std::vector<std::vector<int32_t>> encode_batch(const std::vector<std::string>& texts, bool add_special_tokens,
                                                 int threads) const override {
    std::vector<std::vector<int32_t>> out(texts.size());
    size_t n = threads > 0 ? static_cast<size_t>(threads) : std::max(1u, std::thread::hardware_concurrency());
    n = std::min(n, texts.size());
    if (n <= 1) {
      for (size_t i = 0; i < texts.size(); ++i) encode_into(texts[i], add_special_tokens, out[i], scratch());
      return out;
    }
    std::atomic<size_t> next{0};
    std::exception_ptr error;
    std::mutex error_mu;
    auto work = [&] {
      Scratch& sc = scratch();
      while (true) {
        size_t i = next.fetch_add(1);
        if (i >= texts.size()) return;
        try {
          encode_into(texts[i], add_special_tokens, out[i], sc);
        } catch (...) {
          std::lock_guard<std::mutex> lock(error_mu);
          if (!error) error = std::current_exception();
          next = texts.size();
          return;
        }
      }
    };
    std::vector<std::thread> pool;
    for (size_t t = 0; t < n; ++t) pool.emplace_back(work);
    for (auto& t : pool) t.join();
    if (error) std::rethrow_exception(error);
    return out;
  }

  std::string decode(std::span<const int32_t> ids, bool skip_special_tokens) const override {
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (int32_t id : ids) {
      const std::string* t = nullptr;
      if (const AddedToken* a = added_.by_id(id)) t = &a->content;
      else t = model_->id_to_token(id);
      if (!t) continue;  // unknown ids are skipped, as in the Rust library
      if (skip_special_tokens && special_contents_.count(*t)) continue;
      tokens.push_back(*t);
    }
    if (!decoder_) {
      std::string out;
      for (size_t i = 0; i < tokens.size(); ++i) {
        if (i) out += ' ';
        out += tokens[i];
      }
      return out;
    }
    decoder_->decode_chain(tokens);
    std::string out;
    for (const auto& t : tokens) out += t;
    return out;
  }

  size_t vocab_size() const override {
    size_t n = model_->vocab_size();
    for (const AddedToken& t : added_.tokens())
      if (!model_->id_to_token(t.id)) ++n;
    return n;
  }
  std::optional<int32_t> token_to_id(std::string_view token) const override {
    for (const AddedToken& t : added_.tokens())
      if (t.content == token) return t.id;
    return model_->token_to_id(token);
  }
  std::optional<std::string> id_to_token(int32_t id) const override {
    if (const AddedToken* a = added_.by_id(id)) return a->content;
    if (const std::string* t = model_->id_to_token(id)) return *t;
    return std::nullopt;
  }
  bool is_special(int32_t id) const override {
    const AddedToken* a = added_.by_id(id);
    return a && a->special;
  }
  std::optional<int32_t> bos_id() const override { return bos_ ? token_to_id(*bos_) : std::nullopt; }
  std::optional<int32_t> eos_id() const override { return eos_ ? token_to_id(*eos_) : std::nullopt; }
  std::optional<std::string> bos_token() const override { return bos_; }
  std::optional<std::string> eos_token() const override { return eos_; }
  std::string fingerprint() const override { return fingerprint_; }

 private:
  struct Scratch {
    SplitList raw, normalized, pre;
    std::string norm;
    BpeScratch bpe;
  };

  // Per-thread scratch (buffers + word cache), keyed by this instance's serial number so a new
  // tokenizer at a reused address never sees a stale cache.
  Scratch& scratch() const {
    thread_local std::unordered_map<uint64_t, std::unique_ptr<Scratch>> per_tokenizer;
    auto& slot = per_tokenizer[serial_];
    if (!slot) {
      if (per_tokenizer.size() > 8) {  // bound memory when many tokenizers come and go
        per_tokenizer.clear();
        return scratch();
      }
      slot = std::make_unique<Scratch>();
    }
    return *slot;
  }

  void encode_into(std::string_view text, bool add_special_tokens, std::vector<int32_t>& ids, Scratch& sc) const {
    ids.clear();
    size_t bad = find_invalid_utf8(text);
    if (bad != std::string_view::npos)
      throw UserError("tokenizer: text is not valid UTF-8 (byte " + std::to_string(bad) + ")");
    // 1. Added tokens in the raw text, 2. normalize the rest, 3. added tokens in the normalized pieces.
    sc.raw.clear();
    added_.split(text, true, false, sc.raw);
    sc.normalized.clear();
    for (const Split& s : sc.raw.items) {
      if (s.token_id >= 0) {
        sc.normalized.items.push_back(s);
        continue;
      }
      if (!normalizer_) {
        added_.split(sc.raw.text(s), s.at_start, true, sc.normalized);
        continue;
      }
      sc.norm.assign(sc.raw.text(s));
      bool at_start = s.at_start;
      normalizer_->normalize(sc.norm, at_start);
      added_.split(sc.norm, at_start, true, sc.normalized);
    }
    // 4. Pre-tokenize, 5. the model.
    const SplitList* words = &sc.normalized;
    if (pre_tokenizer_) {
      pre_tokenizer_->pre_tokenize(sc.normalized, sc.pre);
      words = &sc.pre;
    }
    for (const Split& s : words->items) {
      if (s.token_id >= 0) ids.push_back(s.token_id);
      else model_->tokenize(words->text(s), ids, sc.bpe);
    }
    // 6. Special tokens.
    if (add_special_tokens && post_processor_) post_processor_->process(ids);
  }

  void load(const std::filesystem::path& dir_or_file);

  uint64_t serial_ = g_serial.fetch_add(1);
  std::unique_ptr<Normalizer> normalizer_;
  std::unique_ptr<PreTokenizer> pre_tokenizer_;
  std::unique_ptr<BpeModel> model_;
  std::unique_ptr<PostProcessor> post_processor_;
  std::unique_ptr<Decoder> decoder_;
  AddedVocabulary added_;
  std::unordered_map<std::string, bool> special_contents_;
  std::optional<std::string> bos_, eos_;
  std::string fingerprint_;
};

void HfTokenizer::load(const std::filesystem::path& dir_or_file) {
  namespace fs = std::filesystem;
  fs::path file = dir_or_file;
  std::error_code ec;
  if (fs::is_directory(dir_or_file, ec)) {
    file = dir_or_file / "tokenizer.json";
    if (!fs::exists(file, ec))
      throw UserError(dir_or_file.string() + ": no tokenizer.json in this directory (only tokenizer.json "
                      "tokenizers are supported; sentencepiece .model files are not)");
  } else if (!fs::exists(dir_or_file, ec)) {
    throw UserError(dir_or_file.string() + ": no such file or directory");
  }
  fs::path dir = file.parent_path();
  std::string text = read_file(file);
  std::string fp_input = text;
  Json j = parse_json_file(file, text);
  Where root{file.string(), ""};
  if (!j.is_object()) root.fail("expected a JSON object at the top level");

  // tokenizer_config.json / special_tokens_map.json beside it (both optional).
  Json config = Json::object(), special_map = Json::object();
  if (fs::exists(dir / "tokenizer_config.json", ec)) {
    std::string t = read_file(dir / "tokenizer_config.json");
    fp_input += '\0' + t;
    config = parse_json_file(dir / "tokenizer_config.json", t);
  }
  if (fs::exists(dir / "special_tokens_map.json", ec)) {
    std::string t = read_file(dir / "special_tokens_map.json");
    fp_input += '\0' + t;
    special_map = parse_json_file(dir / "special_tokens_map.json", t);
  }
  fingerprint_ = sha256_hex(fp_input);

  if (!j.contains("model") || !j["model"].is_object()) root.at("model").fail("missing (expected an object)");
  const Json& model = j["model"];
  std::string type = model.contains("type") && model["type"].is_string() ? model["type"].get<std::string>() : "BPE";
  if (type != "BPE")
    root.at("model").at("type").fail("unsupported model type '" + type + "' (only BPE is supported)");
  model_ = BpeModel::load(model, root.at("model"));

  auto component = [&](const char* key) -> const Json* {
    if (!j.contains(key) || j[key].is_null()) return nullptr;
    return &j[key];
  };
  if (const Json* n = component("normalizer")) normalizer_ = make_normalizer(*n, root.at("normalizer"));
  if (const Json* p = component("pre_tokenizer")) pre_tokenizer_ = make_pre_tokenizer(*p, root.at("pre_tokenizer"));
  if (const Json* p = component("post_processor"))
    post_processor_ = make_post_processor(*p, root.at("post_processor"));
  if (const Json* d = component("decoder")) decoder_ = make_decoder(*d, root.at("decoder"));

  std::vector<AddedToken> added;
  if (const Json* a = component("added_tokens")) {
    if (!a->is_array()) root.at("added_tokens").fail("expected an array");
    for (size_t i = 0; i < a->size(); ++i) {
      const Json& e = (*a)[i];
      Where w = root.at("added_tokens").at(i);
      if (!e.is_object()) w.fail("expected an object");
      AddedToken t;
      int64_t id = get_int(e, "id", w, -1);
      if (id < 0 || id > INT32_MAX) w.at("id").fail("expected a non-negative integer id");
      t.id = static_cast<int32_t>(id);
      t.content = get_string(e, "content", w);
      if (find_invalid_utf8(t.content) != std::string::npos) w.at("content").fail("not valid UTF-8");
      t.single_word = get_bool(e, "single_word", w, false);
      t.lstrip = get_bool(e, "lstrip", w, false);
      t.rstrip = get_bool(e, "rstrip", w, false);
      t.special = get_bool(e, "special", w, false);
      t.normalized = get_bool(e, "normalized", w, !t.special);
      if (t.special) special_contents_[t.content] = true;
      added.push_back(std::move(t));
    }
  }
  added_.build(std::move(added), [&](const std::string& content) {
    std::string s = content;
    bool at_start = true;
    if (normalizer_) normalizer_->normalize(s, at_start);
    return s;
  });

  bos_ = token_field(config, "bos_token");
  if (!bos_) bos_ = token_field(special_map, "bos_token");
  eos_ = token_field(config, "eos_token");
  if (!eos_) eos_ = token_field(special_map, "eos_token");

  // transformers' Llama-family fast tokenizers rebuild the post-processor from add_bos_token (default
  // true) and add_eos_token (default false) when they load, whatever tokenizer.json says.
  std::string cls = config.contains("tokenizer_class") && config["tokenizer_class"].is_string()
                        ? config["tokenizer_class"].get<std::string>() : "";
  static const char* const kLlamaFamily[] = {"LlamaTokenizer", "LlamaTokenizerFast", "CodeLlamaTokenizer",
                                             "CodeLlamaTokenizerFast", "GemmaTokenizer", "GemmaTokenizerFast"};
  if (std::find(std::begin(kLlamaFamily), std::end(kLlamaFamily), cls) != std::end(kLlamaFamily)) {
    Where cw{(dir / "tokenizer_config.json").string(), ""};
    bool add_bos = get_bool(config, "add_bos_token", cw, true);
    bool add_eos = get_bool(config, "add_eos_token", cw, false);
    std::vector<int32_t> prefix, suffix;
    if (add_bos) {
      auto id = bos_ ? token_to_id(*bos_) : std::nullopt;
      if (!id) cw.at("add_bos_token").fail("is true but bos_token is missing or not in the vocabulary");
      prefix.push_back(*id);
    }
    if (add_eos) {
      auto id = eos_ ? token_to_id(*eos_) : std::nullopt;
      if (!id) cw.at("add_eos_token").fail("is true but eos_token is missing or not in the vocabulary");
      suffix.push_back(*id);
    }
    post_processor_ = make_affix_processor(std::move(prefix), std::move(suffix));
  }
}

}  // namespace

std::unique_ptr<Tokenizer> Tokenizer::load(const std::filesystem::path& dir_or_file) {
  return std::make_unique<HfTokenizer>(dir_or_file);
}

}  // namespace evalrun::model
