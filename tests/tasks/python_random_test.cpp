// PythonRandom against values produced by CPython (tests/fixtures/tasks/python_random.json).
#include <gtest/gtest.h>

#include "tasks/python_random.h"
#include "templates/pyformat.h"
#include "tests/tasks/test_util.h"

namespace evalrun::tasks {
namespace {

TEST(PythonRandomTest, MatchesCPythonFixtures) {
  const auto data = testing::read_json(testing::fixtures() / "python_random.json");
  ASSERT_GE(data["cases"].size(), 5u);
  for (const auto& c : data["cases"]) {
    SCOPED_TRACE("seed " + c["seed"].dump());
    PythonRandom rnd(c["seed"].get<int64_t>());
    for (const auto& v : c["genrand"]) EXPECT_EQ(rnd.getrandbits(32), v.get<uint64_t>());
    for (const auto& kv : c["getrandbits"]) EXPECT_EQ(rnd.getrandbits(kv[0].get<int>()), kv[1].get<uint64_t>());
    for (const auto& v : c["random"]) EXPECT_EQ(templates::python_repr(nlohmann::json(rnd.random())), v.get<std::string>());
    for (const auto& s : c["samples"]) {
      SCOPED_TRACE("sample n=" + s["n"].dump() + " k=" + s["k"].dump() + " (" + s["branch"].get<std::string>() + ")");
      const auto got = rnd.sample(s["n"].get<size_t>(), s["k"].get<size_t>());
      EXPECT_EQ(nlohmann::json(got), s["result"]);
    }
    EXPECT_EQ(nlohmann::json(rnd.shuffle(10)), c["shuffle10"]);
  }
}

TEST(PythonRandomTest, FixturesCoverBothSampleBranches) {
  const auto data = testing::read_json(testing::fixtures() / "python_random.json");
  int pool = 0, set = 0;
  for (const auto& s : data["cases"][0]["samples"]) (s["branch"] == "pool" ? pool : set)++;
  EXPECT_GT(pool, 0);
  EXPECT_GT(set, 0);
}

TEST(PythonRandomTest, SampleLargerThanPopulationThrows) {
  PythonRandom rnd(1);
  EXPECT_THROW(rnd.sample(2, 3), std::invalid_argument);
}

}  // namespace
}  // namespace evalrun::tasks
