#pragma once
// lm-evaluation-harness's tokenization semantics for causal LMs (HFLM, add_bos_token=None):
//  - tok_encode(s) = tokenizer.encode(s) with the tokenizer's own special-token handling, except that a
//    string already starting with the prefix (BOS) token text is encoded without special tokens;
//  - _encode_pair: trailing whitespace of the context moves to the continuation; whole = enc(ctx+cont),
//    context = enc(ctx), continuation = whole[len(context):];
//  - empty context: context = [prefix token] (BOS, else EOS), continuation = enc(cont, no specials),
//    or the continuation's own first token when it already is the prefix token.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "backends/model/tokenizer.h"

namespace evalrun::engine {

class LmEvalEncoder {
 public:
  // fallback_eos: an EOS id from config.json when the tokenizer names none.
  LmEvalEncoder(const model::Tokenizer& tokenizer, std::optional<int32_t> fallback_bos,
                std::optional<int32_t> fallback_eos);

  int32_t prefix_token() const { return prefix_token_; }
  std::vector<int32_t> tok_encode(const std::string& text) const;
  std::vector<int32_t> tok_encode(const std::string& text, bool add_special_tokens) const;
  std::pair<std::vector<int32_t>, std::vector<int32_t>> encode_pair(const std::string& context,
                                                                    const std::string& continuation) const;
  const model::Tokenizer& tokenizer() const { return tok_; }

 private:
  const model::Tokenizer& tok_;
  int32_t prefix_token_ = 0;
  std::string prefix_text_;
};

}  // namespace evalrun::engine
