#pragma once
// A byte-level stand-in tokenizer (id = byte + 3; BOS 1, EOS 2) for testing the engine's tokenization
// semantics and generation independently of the real tokenizer.json implementation.
#include <stdexcept>

#include "backends/model/tokenizer.h"

namespace evalrun::engine::testing {

class FakeTokenizer : public model::Tokenizer {
 public:
  explicit FakeTokenizer(bool add_bos = true) : add_bos_(add_bos) {}
  std::vector<int32_t> encode(std::string_view text, bool add_special_tokens) const override {
    std::vector<int32_t> ids;
    if (add_special_tokens && add_bos_) ids.push_back(1);
    size_t i = 0;
    if (text.rfind("<s>", 0) == 0) {  // the BOS text itself
      ids.push_back(1);
      i = 3;
    }
    for (; i < text.size(); ++i) ids.push_back(static_cast<unsigned char>(text[i]) + 3);
    return ids;
  }
  std::vector<std::vector<int32_t>> encode_batch(const std::vector<std::string>& texts, bool add_special_tokens,
                                                 int) const override {
    std::vector<std::vector<int32_t>> out;
    for (auto& t : texts) out.push_back(encode(t, add_special_tokens));
    return out;
  }
  std::string decode(std::span<const int32_t> ids, bool skip_special_tokens) const override {
    std::string s;
    for (int32_t id : ids) {
      if (id < 3) {
        if (!skip_special_tokens) s += id == 1 ? "<s>" : id == 2 ? "</s>" : "<unk>";
      } else if (id < 259) {
        s.push_back(static_cast<char>(id - 3));
      } else {
        s += '[';
        s += std::to_string(id);
        s += ']';
      }
    }
    return s;
  }
  size_t vocab_size() const override { return 259; }
  std::optional<int32_t> token_to_id(std::string_view) const override { return std::nullopt; }
  std::optional<std::string> id_to_token(int32_t) const override { return std::nullopt; }
  bool is_special(int32_t id) const override { return id < 3; }
  std::optional<int32_t> bos_id() const override { return 1; }
  std::optional<int32_t> eos_id() const override { return 2; }
  std::optional<std::string> bos_token() const override { return "<s>"; }
  std::optional<std::string> eos_token() const override { return "</s>"; }
  std::string fingerprint() const override { return "fake"; }

 private:
  bool add_bos_;
};

}  // namespace evalrun::engine::testing
