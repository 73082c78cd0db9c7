#pragma once
// Hugging Face tokenizer.json tokenizer (BPE family) with exact parity to the Rust `tokenizers` library.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace evalrun::model {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // Loads tokenizer.json (+ tokenizer_config.json, special_tokens_map.json when beside it) from a model
  // directory or a tokenizer.json path. Throws UserError naming the file/component on bad input.
  static std::unique_ptr<Tokenizer> load(const std::filesystem::path& dir_or_file);

  // Throws UserError on invalid UTF-8.
  virtual std::vector<int32_t> encode(std::string_view text, bool add_special_tokens) const = 0;
  virtual std::vector<std::vector<int32_t>> encode_batch(const std::vector<std::string>& texts,
                                                         bool add_special_tokens, int threads = 0) const = 0;
  virtual std::string decode(std::span<const int32_t> ids, bool skip_special_tokens) const = 0;

  virtual size_t vocab_size() const = 0;  // including added tokens
  virtual std::optional<int32_t> token_to_id(std::string_view token) const = 0;
  virtual std::optional<std::string> id_to_token(int32_t id) const = 0;
  virtual bool is_special(int32_t id) const = 0;

  // From tokenizer_config.json / special_tokens_map.json (nullopt when absent).
  virtual std::optional<int32_t> bos_id() const = 0;
  virtual std::optional<int32_t> eos_id() const = 0;
  virtual std::optional<std::string> bos_token() const = 0;
  virtual std::optional<std::string> eos_token() const = 0;

  // A stable identity of the tokenizer (hash of its files) for cache keys.
  virtual std::string fingerprint() const = 0;
};

}  // namespace evalrun::model
