// lm-eval's context/continuation tokenization (api/model.py _encode_pair, loglikelihood; HFLM tok_encode).
#include <gtest/gtest.h>

#include "backends/engine/encode.h"
#include "fake_tokenizer.h"

namespace evalrun::engine {
namespace {

using testing::FakeTokenizer;
using V = std::vector<int32_t>;
int32_t b(char c) { return static_cast<unsigned char>(c) + 3; }

TEST(Encode, TrailingSpaceMovesToContinuation) {
  FakeTokenizer tok;
  LmEvalEncoder enc(tok, std::nullopt, std::nullopt);
  auto [ctx, cont] = enc.encode_pair("ab ", "c");
  EXPECT_EQ(ctx, (V{1, b('a'), b('b')}));
  EXPECT_EQ(cont, (V{b(' '), b('c')}));
  auto [ctx2, cont2] = enc.encode_pair("ab\n\n", "c");
  EXPECT_EQ(ctx2, (V{1, b('a'), b('b')}));
  EXPECT_EQ(cont2, (V{b('\n'), b('\n'), b('c')}));
}

TEST(Encode, EmptyContextUsesPrefixToken) {
  FakeTokenizer tok;
  LmEvalEncoder enc(tok, std::nullopt, std::nullopt);
  EXPECT_EQ(enc.prefix_token(), 1);
  auto [ctx, cont] = enc.encode_pair("", "xy");
  EXPECT_EQ(ctx, V{1});
  EXPECT_EQ(cont, (V{b('x'), b('y')}));
  // A continuation that already starts with the prefix token keeps it as the context.
  auto [ctx2, cont2] = enc.encode_pair("", "<s>xy");
  EXPECT_EQ(ctx2, V{1});
  EXPECT_EQ(cont2, (V{b('x'), b('y')}));
}

TEST(Encode, NoDuplicateBos) {
  FakeTokenizer tok;
  LmEvalEncoder enc(tok, std::nullopt, std::nullopt);
  EXPECT_EQ(enc.tok_encode("<s>hi"), (V{1, b('h'), b('i')}));
  EXPECT_EQ(enc.tok_encode("hi"), (V{1, b('h'), b('i')}));
}

TEST(Encode, TokenizerWithoutBos) {
  FakeTokenizer tok(/*add_bos=*/false);
  LmEvalEncoder enc(tok, std::nullopt, std::nullopt);
  auto [ctx, cont] = enc.encode_pair("ab", " c");
  EXPECT_EQ(ctx, (V{b('a'), b('b')}));
  EXPECT_EQ(cont, (V{b(' '), b('c')}));
}

}  // namespace
}  // namespace evalrun::engine
