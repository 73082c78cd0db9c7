#include "backends/engine/encode.h"

#include "common/errors.h"

namespace evalrun::engine {

namespace {

bool is_py_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

// Byte length of the trailing whitespace as Python's str.rstrip() sees it (ASCII whitespace, plus the
// common Unicode spaces U+00A0, U+3000, U+2000-200A, U+1680, U+2028/9, U+202F, U+205F, U+0085).
size_t trailing_space_bytes(const std::string& s) {
  size_t end = s.size();
  for (;;) {
    if (end > 0 && is_py_space(static_cast<unsigned char>(s[end - 1]))) {
      --end;
      continue;
    }
    if (end > 0 && (static_cast<unsigned char>(s[end - 1]) == 0x1c || static_cast<unsigned char>(s[end - 1]) == 0x1d ||
                    static_cast<unsigned char>(s[end - 1]) == 0x1e || static_cast<unsigned char>(s[end - 1]) == 0x1f)) {
      --end;
      continue;
    }
    auto ends_with = [&](const char* u, size_t n) { return end >= n && s.compare(end - n, n, u) == 0; };
    if (ends_with("\xc2\xa0", 2) || ends_with("\xc2\x85", 2)) { end -= 2; continue; }
    if (ends_with("\xe3\x80\x80", 3) || ends_with("\xe1\x9a\x80", 3) || ends_with("\xe2\x80\xa8", 3) ||
        ends_with("\xe2\x80\xa9", 3) || ends_with("\xe2\x80\xaf", 3) || ends_with("\xe2\x81\x9f", 3)) {
      end -= 3;
      continue;
    }
    if (end >= 3 && static_cast<unsigned char>(s[end - 3]) == 0xe2 && static_cast<unsigned char>(s[end - 2]) == 0x80 &&
        static_cast<unsigned char>(s[end - 1]) >= 0x80 && static_cast<unsigned char>(s[end - 1]) <= 0x8a) {
      end -= 3;
      continue;
    }
    break;
  }
  return s.size() - end;
}

}  // namespace

LmEvalEncoder::LmEvalEncoder(const model::Tokenizer& tokenizer, std::optional<int32_t> fallback_bos,
                             std::optional<int32_t> fallback_eos)
    : tok_(tokenizer) {
  std::optional<int32_t> bos = tok_.bos_id() ? tok_.bos_id() : fallback_bos;
  std::optional<int32_t> eos = tok_.eos_id() ? tok_.eos_id() : fallback_eos;
  if (bos) prefix_token_ = *bos;
  else if (eos) prefix_token_ = *eos;
  else throw UserError("tokenizer: neither a BOS nor an EOS token is defined (needed as the log-likelihood prefix)");
  const int32_t ids[1] = {prefix_token_};
  prefix_text_ = tok_.decode(ids, false);
}

std::vector<int32_t> LmEvalEncoder::tok_encode(const std::string& text) const {
  const bool has_prefix = !prefix_text_.empty() && text.rfind(prefix_text_, 0) == 0;
  return tok_.encode(text, !has_prefix);
}

std::vector<int32_t> LmEvalEncoder::tok_encode(const std::string& text, bool add_special_tokens) const {
  return tok_.encode(text, add_special_tokens);
}

std::pair<std::vector<int32_t>, std::vector<int32_t>> LmEvalEncoder::encode_pair(const std::string& context_in,
                                                                                 const std::string& cont_in) const {
  if (context_in.empty()) {
    std::vector<int32_t> cont = tok_encode(cont_in, false);
    if (!cont.empty() && cont[0] == prefix_token_)
      return {std::vector<int32_t>(cont.begin(), cont.begin() + 1), std::vector<int32_t>(cont.begin() + 1, cont.end())};
    return {{prefix_token_}, cont};
  }
  std::string context = context_in, continuation = cont_in;
  const size_t n_spaces = trailing_space_bytes(context);
  if (n_spaces > 0) {
    continuation = context.substr(context.size() - n_spaces) + continuation;
    context.resize(context.size() - n_spaces);
  }
  std::vector<int32_t> whole = tok_encode(context + continuation);
  std::vector<int32_t> ctx = tok_encode(context);
  std::vector<int32_t> cont;
  if (whole.size() > ctx.size()) cont.assign(whole.begin() + static_cast<std::ptrdiff_t>(ctx.size()), whole.end());
  return {std::move(ctx), std::move(cont)};
}

}  // namespace evalrun::engine
