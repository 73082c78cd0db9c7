#include "backends/model/tokenizer_added.h"

#include <algorithm>

#include "backends/model/tokenizer_unicode.h"

namespace evalrun::model::tok {

void TokenTrie::add(std::string_view pattern, int32_t token_index) {
  if (pattern.empty()) return;
  int32_t node = 0;
  for (unsigned char b : pattern) {
    int32_t next = -1;
    for (auto& [byte, child] : nodes_[static_cast<size_t>(node)].children)
      if (byte == b) { next = child; break; }
    if (next < 0) {
      next = static_cast<int32_t>(nodes_.size());
      nodes_[static_cast<size_t>(node)].children.emplace_back(b, next);
      nodes_.emplace_back();
    }
    node = next;
  }
  // The first token registered for a pattern keeps it (two normalized tokens may share a pattern).
  if (nodes_[static_cast<size_t>(node)].token_index < 0) nodes_[static_cast<size_t>(node)].token_index = token_index;
  first_byte_[static_cast<unsigned char>(pattern[0])] = true;
}

bool TokenTrie::find(std::string_view text, size_t from, size_t& begin, size_t& end, int32_t& token_index) const {
  for (size_t p = from; p < text.size(); ++p) {
    if (!first_byte_[static_cast<unsigned char>(text[p])]) continue;
    int32_t node = 0;
    int32_t best = -1;
    size_t best_end = 0;
    for (size_t q = p; q < text.size(); ++q) {
      int32_t next = -1;
      for (auto& [byte, child] : nodes_[static_cast<size_t>(node)].children)
        if (byte == static_cast<unsigned char>(text[q])) { next = child; break; }
      if (next < 0) break;
      node = next;
      if (nodes_[static_cast<size_t>(node)].token_index >= 0) {
        best = nodes_[static_cast<size_t>(node)].token_index;
        best_end = q + 1;
      }
    }
    if (best >= 0) {
      begin = p;
      end = best_end;
      token_index = best;
      return true;
    }
  }
  return false;
}

namespace {

// Code point ending right before byte `pos` (pos > 0).
char32_t char_before(std::string_view s, size_t pos) {
  size_t k = pos - 1;
  while (k > 0 && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80) --k;
  int len;
  return decode_utf8(s, k, len);
}

}  // namespace

void AddedVocabulary::split(std::string_view text, bool at_start, bool normalized_pass, SplitList& out) const {
  const TokenTrie& trie = normalized_pass ? normalized_ : raw_;
  if (trie.empty() || text.empty()) {
    out.add(text, at_start);
    return;
  }
  size_t pos = 0, start_offset = 0;
  size_t mb, me;
  int32_t index;
  while (pos < text.size() && trie.find(text, pos, mb, me, index)) {
    pos = me;  // the matcher goes on after the match itself, not after stripped spaces
    const AddedToken& tok = tokens_[static_cast<size_t>(index)];
    size_t start = mb, stop = me;
    if (tok.single_word) {
      bool start_space = start == 0 || !is_word(char_before(text, start));
      bool stop_space = true;
      if (stop < text.size()) {
        int len;
        stop_space = !is_word(decode_utf8(text, stop, len));
      }
      if (!start_space || !stop_space) continue;
    }
    if (tok.lstrip) {
      size_t s = start;
      while (s > 0) {
        size_t k = s - 1;
        while (k > 0 && (static_cast<unsigned char>(text[k]) & 0xC0) == 0x80) --k;
        int len;
        if (!is_whitespace(decode_utf8(text, k, len))) break;
        s = k;
      }
      start = std::max(s, start_offset);
    }
    if (tok.rstrip) {
      while (stop < text.size()) {
        int len;
        if (!is_whitespace(decode_utf8(text, stop, len))) break;
        stop += static_cast<size_t>(len);
      }
    }
    if (start_offset < start) out.add(text.substr(start_offset, start - start_offset), at_start && start_offset == 0);
    out.add_token(tok.id);
    start_offset = stop;
  }
  if (start_offset < text.size()) out.add(text.substr(start_offset), at_start && start_offset == 0);
}

}  // namespace evalrun::model::tok
