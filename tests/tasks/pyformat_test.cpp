// templates::PyFormat against CPython's str.format (tests/fixtures/tasks/pyformat_cases.json).
#include <gtest/gtest.h>

#include "templates/pyformat.h"
#include "tests/tasks/test_util.h"

namespace evalrun::templates {
namespace {

TEST(PyFormatTest, MatchesCPython) {
  const auto data = tasks::testing::read_json(tasks::testing::fixtures() / "pyformat_cases.json");
  for (const auto& c : data["cases"]) {
    const std::string tmpl = c["template"];
    SCOPED_TRACE(tmpl);
    if (c.contains("output")) {
      EXPECT_EQ(py_format(tmpl, c["kwargs"]), c["output"].get<std::string>());
    } else {
      EXPECT_THROW(py_format(tmpl, c["kwargs"]), PyFormatError) << "Python raised " << c["error"];
    }
  }
}

TEST(PyFormatTest, MissingFieldIsNamed) {
  try {
    py_format("Ситуация: {premise} {choice3}", {{"premise", "x"}});
    FAIL();
  } catch (const PyFormatError& e) {
    EXPECT_EQ(e.kind, PyFormatError::Kind::kMissingField);
    EXPECT_EQ(e.field, "choice3");
  }
}

TEST(PyFormatTest, FieldNamesAndLookup) {
  const PyFormat f = PyFormat::parse("{a}{b[0]}{a:>{w}}");
  EXPECT_EQ(f.field_names(), (std::vector<std::string>{"a", "b", "w"}));
  const nlohmann::json value = "s";
  EXPECT_EQ(PyFormat::parse("<{inputs}>").format([&](std::string_view n) { return n == "inputs" ? &value : nullptr; }),
            "<s>");
}

}  // namespace
}  // namespace evalrun::templates
