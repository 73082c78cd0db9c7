// Behaviour of the public Jinja API beyond the parity fixtures: errors (one line, with position),
// strftime_now injection, parse-once/render-many and thread safety, key order.
#include <regex>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/errors.h"
#include "templates/jinja.h"

namespace evalrun::templates {
namespace {

std::string error_of(const std::string& source, const nlohmann::json& ctx = nlohmann::json::object()) {
  try {
    Template::parse(source, "tpl.jinja")->render(ctx);
  } catch (const UserError& e) {
    return e.what();
  }
  return "<no error>";
}

TEST(JinjaApi, RenderTemplateBasics) {
  nlohmann::json ctx = {{"doc", {{"meta", {{"domain", "med"}}}, {"x", " a "}, {"list", {"p", "q"}}}}};
  EXPECT_EQ(render_template("{{ doc.meta.domain }}|{{ doc['x'] | trim | upper }}|{{ doc.list | join('+') }}", ctx),
            "med|A|p+q");
  EXPECT_EQ(render_template("{% for v in doc.list %}{{ loop.index }}{{ v }}{% endfor %}", ctx), "1p2q");
  EXPECT_EQ(render_template("{{ doc.missing | default('d') }}{{ doc.x ~ '!' }}{{ doc.x + '?' }}", ctx), "d a ! a ?");
}

TEST(JinjaApi, SyntaxErrorsNameLineAndColumn) {
  std::string e = error_of("line one\n{% if x %}\n{{ 1 + }}\n{% endif %}");
  EXPECT_TRUE(std::regex_search(e, std::regex("^tpl\\.jinja:3:\\d+: "))) << e;
  EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  e = error_of("{% for x in y %}{{ x }}");
  EXPECT_TRUE(std::regex_search(e, std::regex("^tpl\\.jinja:1:\\d+: .*endfor"))) << e;
  e = error_of("ok\n\n  {% frobnicate %}");
  EXPECT_TRUE(std::regex_search(e, std::regex("^tpl\\.jinja:3:6: .*unknown tag 'frobnicate'"))) << e;
  e = error_of("{{ 'unterminated }}");
  EXPECT_TRUE(std::regex_search(e, std::regex("^tpl\\.jinja:1:\\d+: "))) << e;
}

TEST(JinjaApi, RuntimeErrorsAreOneLineWithMessage) {
  std::string e = error_of("a\n{{ 'x' | no_such_filter }}");
  EXPECT_NE(e.find("tpl.jinja:2:"), std::string::npos) << e;
  EXPECT_NE(e.find("no filter named 'no_such_filter'"), std::string::npos) << e;
  e = error_of("{% if true %}\n\n{{ raise_exception('Roles must alternate') }}{% endif %}");
  EXPECT_NE(e.find("tpl.jinja:3: Roles must alternate"), std::string::npos) << e;
  e = error_of("{{ nothing() }}");
  EXPECT_NE(e.find("'nothing' is undefined"), std::string::npos) << e;
  e = error_of("{{ missing.attr }}");
  EXPECT_NE(e.find("'missing' is undefined"), std::string::npos) << e;
  e = error_of("{{ 1 / 0 }}");
  EXPECT_NE(e.find("division by zero"), std::string::npos) << e;
  e = error_of("{{ [].append(1) }}");
  EXPECT_NE(e.find("unsafe"), std::string::npos) << e;
}

TEST(JinjaApi, StrftimeNowIsInjectable) {
  auto t = Template::parse("{{ strftime_now('%Y-%m-%d %H:%M') }}", "t");
  RenderOptions o;
  std::tm tm{};
  tm.tm_year = 99;
  tm.tm_mon = 11;
  tm.tm_mday = 31;
  tm.tm_hour = 23;
  tm.tm_min = 59;
  o.now = tm;
  EXPECT_EQ(t->render(nlohmann::json::object(), o), "1999-12-31 23:59");
  EXPECT_EQ(t->render(nlohmann::json::object()).size(), 16u);  // real clock
}

TEST(JinjaApi, OrderedContextKeepsKeyOrder) {
  auto t = Template::parse("{{ d | tojson }}|{% for k, v in d.items() %}{{ k }}{% endfor %}", "t");
  nlohmann::ordered_json ctx;
  ctx["d"]["zeta"] = 1;
  ctx["d"]["alpha"] = 2;
  EXPECT_EQ(t->render(ctx, RenderOptions{}), "{\"zeta\": 1, \"alpha\": 2}|zetaalpha");
}

TEST(JinjaApi, TrimAndLstripCanBeDisabled) {
  auto t = Template::parse("  {% if true %}\nx\n  {% endif %}\n", "t", false, false);
  EXPECT_EQ(t->render(nlohmann::json::object()), "  \nx\n  ");  // one trailing newline dropped
}

TEST(JinjaApi, ParseOnceRenderConcurrently) {
  auto t = Template::parse(
      "{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + m.content | length %}"
      "<{{ m.role }}>{{ m.content | trim }}{% endfor %}{{ ns.n }}",
      "t");
  std::vector<std::thread> threads;
  std::vector<std::string> outs(8);
  for (int k = 0; k < 8; ++k) {
    threads.emplace_back([&, k] {
      nlohmann::json ctx = {{"messages", nlohmann::json::array()}};
      for (int j = 0; j <= k; ++j) ctx["messages"].push_back({{"role", "user"}, {"content", " hi "}});
      for (int rep = 0; rep < 200; ++rep) outs[k] = t->render(ctx);
    });
  }
  for (auto& th : threads) th.join();
  for (int k = 0; k < 8; ++k) {
    std::string expected;
    for (int j = 0; j <= k; ++j) expected += "<user>hi";
    expected += std::to_string(4 * (k + 1));
    EXPECT_EQ(outs[k], expected);
  }
}

TEST(JinjaApi, DeepRecursionIsAnErrorNotACrash) {
  std::string e = error_of("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}");
  EXPECT_NE(e.find("recursion"), std::string::npos) << e;
}

}  // namespace
}  // namespace evalrun::templates
