// Parity with Python jinja2 configured as transformers configures it: every case in
// tests/fixtures/templates/*.json was rendered by tools/make_template_fixtures.py.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/errors.h"
#include "templates/chat_template.h"
#include "templates/jinja.h"

namespace evalrun::templates {
namespace {

using ojson = nlohmann::ordered_json;

ojson load_fixture(const std::string& name) {
  std::ifstream in(std::string(EVALRUN_SOURCE_DIR) + "/tests/fixtures/templates/" + name);
  EXPECT_TRUE(in.good()) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ojson::parse(ss.str());
}

// strftime_now is pinned to 2024-07-26 10:00:00 (a Friday) in the fixtures.
RenderOptions fixed_clock() {
  std::tm tm{};
  tm.tm_year = 124;
  tm.tm_mon = 6;
  tm.tm_mday = 26;
  tm.tm_hour = 10;
  tm.tm_wday = 5;
  tm.tm_yday = 207;
  RenderOptions o;
  o.now = tm;
  return o;
}

TEST(JinjaFixtures, AllCasesMatchPythonJinja2) {
  ojson fixture = load_fixture("jinja_cases.json");
  int checked = 0;
  for (const auto& c : fixture["cases"]) {
    std::string name = c["name"];
    std::string source = c["template"];
    SCOPED_TRACE(name);
    ParseOptions env = c.value("env", "") == "lm_eval" ? lm_eval_options() : chat_template_options();
    if (c.contains("error")) {
      EXPECT_THROW(Template::parse(source, name, env)->render(c["context"], fixed_clock()), UserError) << name;
    } else {
      std::string got;
      try {
        got = Template::parse(source, name, env)->render(c["context"], fixed_clock());
      } catch (const UserError& e) {
        ADD_FAILURE() << name << ": unexpected error: " << e.what();
        continue;
      }
      EXPECT_EQ(got, c["expected"].get<std::string>()) << name;
    }
    ++checked;
  }
  EXPECT_GE(checked, 100);
}

TEST(JinjaFixtures, ChatRendersMatchPythonJinja2) {
  ojson fixture = load_fixture("chat_renders.json");
  std::map<std::string, std::unique_ptr<ChatTemplate>> templates;
  for (auto it = fixture["templates"].begin(); it != fixture["templates"].end(); ++it) {
    const ojson& t = it.value();
    auto ct = ChatTemplate::from_source(t["source"], t["specials"].value("bos_token", ""),
                                        t["specials"].value("eos_token", ""), it.key());
    ct->set_render_options(fixed_clock());
    templates[it.key()] = std::move(ct);
  }
  int checked = 0;
  for (const auto& r : fixture["renders"]) {
    std::string label = r["template"].get<std::string>() + "/" + r["messages_name"].get<std::string>() +
                        (r["add_generation_prompt"].get<bool>() ? "/gen" : "") + "/" + r["extra"].dump();
    SCOPED_TRACE(label);
    const ChatTemplate& ct = *templates.at(r["template"]);
    // Special tokens beyond bos/eos (unk/pad) travel in the extra context here.
    ojson extra = fixture["templates"][r["template"].get<std::string>()]["specials"];
    for (auto it = r["extra"].begin(); it != r["extra"].end(); ++it) extra[it.key()] = it.value();
    if (r.contains("error")) {
      EXPECT_THROW(ct.render_ordered(r["messages"], r["add_generation_prompt"], extra), UserError) << label;
    } else {
      std::string got;
      try {
        got = ct.render_ordered(r["messages"], r["add_generation_prompt"], extra);
      } catch (const UserError& e) {
        ADD_FAILURE() << label << ": unexpected error: " << e.what();
        continue;
      }
      EXPECT_EQ(got, r["expected"].get<std::string>()) << label;
    }
    ++checked;
  }
  EXPECT_GE(checked, 200);
}

// The npm tokenizer packages' own tokenizer_config.json files load through ChatTemplate::load and render
// exactly like the fixture (which rendered the same template source with the same special tokens).
TEST(JinjaFixtures, LoadFromModelDirectoryMatches) {
  ojson fixture = load_fixture("chat_renders.json");
  for (auto it = fixture["templates"].begin(); it != fixture["templates"].end(); ++it) {
    if (!it.value().contains("model_dir")) continue;
    std::filesystem::path dir = std::string(EVALRUN_SOURCE_DIR) + "/" + it.value()["model_dir"].get<std::string>();
    if (!std::filesystem::exists(dir)) GTEST_SKIP() << "npm packages not installed: " << dir;
    auto ct = ChatTemplate::load(dir);
    ASSERT_TRUE(ct) << dir;
    EXPECT_EQ(ct->source(), it.value()["source"].get<std::string>());
    int checked = 0;
    for (const auto& r : fixture["renders"]) {
      if (r["template"] != it.key() || !r["extra"].empty() || r.contains("error")) continue;
      EXPECT_EQ(ct->render_ordered(r["messages"], r["add_generation_prompt"]), r["expected"].get<std::string>())
          << it.key() << "/" << r["messages_name"];
      ++checked;
    }
    EXPECT_GT(checked, 10);
  }
}

}  // namespace
}  // namespace evalrun::templates
