// ChatTemplate::load: where templates come from (tokenizer_config.json string or named list,
// chat_template.jinja, chat_template.json), special tokens as strings or {"content"}, and errors.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "common/errors.h"
#include "templates/chat_template.h"

namespace evalrun::templates {
namespace {

namespace fs = std::filesystem;

class ChatTemplateLoad : public ::testing::Test {
 protected:
  fs::path dir;
  void SetUp() override {
    dir = fs::temp_directory_path() / ("evalrun_chat_" + std::to_string(::getpid()) + "_" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }
  void write(const std::string& name, const std::string& text) {
    fs::create_directories((dir / name).parent_path());
    std::ofstream(dir / name, std::ios::binary) << text;
  }
};

const nlohmann::json kMessages = nlohmann::json::parse(R"([{"role":"user","content":"Hi"}])");

TEST_F(ChatTemplateLoad, StringTemplateAndTokenObjects) {
  write("tokenizer_config.json", R"({
    "chat_template": "{{ bos_token }}{% for m in messages %}[{{ m.role }}]{{ m.content }}{{ eos_token }}{% endfor %}{% if add_generation_prompt %}[assistant]{% endif %}{{ tools is none }}{{ documents is none }}{{ unk_token }}",
    "bos_token": {"content": "<s>", "lstrip": false},
    "eos_token": "</s>",
    "unk_token": "<unk>",
    "pad_token": null})");
  auto ct = ChatTemplate::load(dir);
  ASSERT_TRUE(ct);
  EXPECT_EQ(ct->bos_token(), "<s>");
  EXPECT_EQ(ct->eos_token(), "</s>");
  EXPECT_EQ(ct->render(kMessages, false), "<s>[user]Hi</s>TrueTrue<unk>");
  EXPECT_EQ(ct->render(kMessages, true), "<s>[user]Hi</s>[assistant]TrueTrue<unk>");
  // Extra context overrides the defaults (tools given).
  EXPECT_EQ(ct->render(kMessages, false, {{"tools", nlohmann::json::array({1})}}), "<s>[user]Hi</s>FalseTrue<unk>");
}

TEST_F(ChatTemplateLoad, NamedTemplates) {
  write("tokenizer_config.json", R"({"chat_template": [
      {"name": "default", "template": "D{{ messages|length }}"},
      {"name": "tool_use", "template": "T{{ messages[0].content }}"}], "eos_token": "e"})");
  EXPECT_EQ(ChatTemplate::load(dir)->render(kMessages, false), "D1");
  EXPECT_EQ(ChatTemplate::load(dir, "tool_use")->render(kMessages, false), "THi");
  try {
    ChatTemplate::load(dir, "rag");
    FAIL() << "expected an error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("no chat template named 'rag' (available: default, tool_use)"), std::string::npos)
        << e.what();
  }
}

TEST_F(ChatTemplateLoad, JinjaFileWinsAndJsonFileIsAFallback) {
  write("tokenizer_config.json", R"({"chat_template": "config", "eos_token": "e"})");
  write("chat_template.jinja", "file {{ eos_token }}\n");
  EXPECT_EQ(ChatTemplate::load(dir)->render(kMessages, false), "file e");
  fs::remove(dir / "chat_template.jinja");
  write("tokenizer_config.json", R"({"eos_token": "e"})");
  write("chat_template.json", R"({"chat_template": "json {{ messages[0].role }}"})");
  EXPECT_EQ(ChatTemplate::load(dir)->render(kMessages, false), "json user");
}

TEST_F(ChatTemplateLoad, MissingTemplateIsNull) {
  write("tokenizer_config.json", R"({"eos_token": "e"})");
  EXPECT_EQ(ChatTemplate::load(dir), nullptr);
}

TEST_F(ChatTemplateLoad, BadFilesAreOneLineErrors) {
  write("tokenizer_config.json", R"({"chat_template": "x", )");
  EXPECT_THROW(ChatTemplate::load(dir), UserError);
  write("tokenizer_config.json", R"({"chat_template": 42})");
  EXPECT_THROW(ChatTemplate::load(dir), UserError);
  write("tokenizer_config.json", R"({"chat_template": "{% for m in messages %}", "eos_token": "e"})");
  try {
    ChatTemplate::load(dir);
    FAIL() << "expected a syntax error";
  } catch (const UserError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("tokenizer_config.json:chat_template:1:"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
  EXPECT_THROW(ChatTemplate::load(dir / "nonexistent"), UserError);
}

TEST(ChatTemplateRender, RaiseExceptionMessageSurfaces) {
  auto ct = ChatTemplate::from_source(
      "{% if messages[0].role != 'user' %}{{ raise_exception('Conversation must start with a user message') }}{% endif %}",
      "<s>", "</s>", "tpl");
  try {
    ct->render(nlohmann::json::parse(R"([{"role":"assistant","content":"x"}])"), false);
    FAIL() << "expected an error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("Conversation must start with a user message"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace evalrun::templates
