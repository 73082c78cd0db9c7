#pragma once
// Added tokens (tokenizer/added_vocabulary.rs): found in the raw text (normalized=false) or in each
// normalized piece (normalized=true) with leftmost-longest matching, honouring single_word, lstrip and
// rstrip, before the pre-tokenizer and the model ever see the text.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "backends/model/tokenizer_impl.h"

namespace evalrun::model::tok {

struct AddedToken {
  int32_t id = 0;
  std::string content;
  bool single_word = false, lstrip = false, rstrip = false, normalized = true, special = false;
};

// A byte trie answering "longest pattern starting here".
class TokenTrie {
 public:
  void add(std::string_view pattern, int32_t token_index);
  bool empty() const { return nodes_.size() <= 1; }
  // Leftmost-longest match starting at or after `from`: returns false when none.
  bool find(std::string_view text, size_t from, size_t& begin, size_t& end, int32_t& token_index) const;

 private:
  struct Node {
    std::vector<std::pair<uint8_t, int32_t>> children;
    int32_t token_index = -1;
  };
  std::vector<Node> nodes_{1};
  bool first_byte_[256] = {};
};

class AddedVocabulary {
 public:
  // `normalize` maps a normalized=true token's content to its pattern.
  template <class NormalizeFn>
  void build(std::vector<AddedToken> tokens, NormalizeFn normalize) {
    tokens_ = std::move(tokens);
    for (size_t i = 0; i < tokens_.size(); ++i) {
      const AddedToken& t = tokens_[i];
      by_id_[t.id] = static_cast<int32_t>(i);
      if (t.content.empty()) continue;
      if (t.normalized) normalized_.add(normalize(t.content), static_cast<int32_t>(i));
      else raw_.add(t.content, static_cast<int32_t>(i));
    }
  }

  // Splits `text` (a piece starting at the original input's offset 0 when `at_start`) around the
  // raw (normalized=false) or normalized tokens, appending to `out`.
  void split(std::string_view text, bool at_start, bool normalized_pass, SplitList& out) const;

  const std::vector<AddedToken>& tokens() const { return tokens_; }
  const AddedToken* by_id(int32_t id) const {
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : &tokens_[static_cast<size_t>(it->second)];
  }
  bool has_raw() const { return !raw_.empty(); }
  bool has_normalized() const { return !normalized_.empty(); }

 private:
  std::vector<AddedToken> tokens_;
  std::unordered_map<int32_t, int32_t> by_id_;
  TokenTrie raw_, normalized_;
};

}  // namespace evalrun::model::tok
