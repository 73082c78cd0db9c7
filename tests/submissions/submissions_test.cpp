// Packing (golden vs MERA's log_to_submission.py re-stated in tools/make_submission_fixtures.py),
// the site's checks with its error codes, scoring vs the site's scoring re-stated, and refusals.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>

#include "common/errors.h"
#include "common/hash.h"
#include "submissions/checks.h"
#include "submissions/mera.h"
#include "submissions/zip_io.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace evalrun::submissions;

namespace {

const fs::path kFixtures = fs::path(EVALRUN_SOURCE_DIR) / "tests/fixtures/submissions";

json read_json(const fs::path& p) {
  std::ifstream in(p);
  return json::parse(in);
}

// Removes this process's temp folders when the test program ends.
struct TempCleanup {
  ~TempCleanup() {
    std::error_code ec;
    const std::string prefix = "evalrun-subm-" + std::to_string(::getpid()) + "-";
    for (const auto& e : fs::directory_iterator(fs::temp_directory_path(), ec))
      if (e.path().filename().string().rfind(prefix, 0) == 0) fs::remove_all(e.path(), ec);
  }
} temp_cleanup;

fs::path temp_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("evalrun-subm-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::map<std::string, std::string> zip_map(const fs::path& zip) {
  std::map<std::string, std::string> m;
  for (auto& e : read_zip(zip)) m[e.name] = e.data;
  return m;
}

fs::path pack(const std::string& name, bool gen) {
  SubmitOptions o;
  o.from = kFixtures / "run";
  o.out = temp_dir(name) / "submission.zip";
  o.gen = gen;
  o.data_dir = kFixtures / "data";
  const auto report = submit_mera(o);
  EXPECT_TRUE(report.missing.empty());
  EXPECT_EQ(report.packed.size(), 23u);
  return o.out;
}

// A copy of the good LL submission with one entry changed (empty data = removed).
fs::path variant(const std::string& label, const std::string& name, const std::string& data,
                 const std::string& rename = "") {
  static const fs::path good = pack("good-base", false);
  std::vector<ZipEntry> entries;
  for (auto& e : read_zip(good)) {
    if (e.name == name) {
      if (!rename.empty()) entries.push_back({rename, e.data, false});
      else if (!data.empty()) entries.push_back({name, data, false});
      continue;
    }
    entries.push_back(e);
  }
  const fs::path out = temp_dir(label) / "broken.zip";
  write_zip_atomic(out, entries);
  return out;
}

json score(const fs::path& zip, bool gold = true) {
  ScoreOptions o;
  o.zip = zip;
  if (gold) o.gold_dir = kFixtures / "data";
  return score_submission(o);
}

std::set<std::string> error_types(const json& response, const std::string& task) {
  std::set<std::string> out;
  if (response.contains("error_reason") && response["error_reason"].contains(task))
    for (const auto& e : response["error_reason"][task]) out.insert(e["type"].get<std::string>());
  return out;
}

std::string entry(const fs::path& zip, const std::string& name) { return zip_map(zip).at(name); }

}  // namespace

TEST(SubmissionGolden, LayoutAndShapesEqualMerasPackingScript) {
  for (bool gen : {false, true}) {
    const fs::path zip = pack(gen ? "golden-gen" : "golden-ll", gen);
    const auto files = zip_map(zip);
    EXPECT_EQ(files.size(), 24u);  // 23 task files + logs_public.zip, all at the root
    for (const auto& task : mera_tasks()) {
      SCOPED_TRACE(task.cls + (gen ? " gen" : " ll"));
      ASSERT_TRUE(files.count(task.cls + ".json"));
      const json expected = read_json(kFixtures / (gen ? "expected_gen" : "expected_ll") / (task.cls + ".json"));
      EXPECT_EQ(json::parse(files.at(task.cls + ".json")), expected);
    }
    ASSERT_TRUE(files.count("logs_public.zip"));
  }
}

TEST(SubmissionGolden, PublicLogsHoldChosenModeAndHashRuTiEPrompts) {
  const fs::path zip = pack("logs", false);
  const auto logs = read_zip_bytes(zip_map(zip).at("logs_public.zip"), "logs_public.zip");
  std::map<std::string, std::string> m;
  for (const auto& e : logs) m[e.name] = e.data;
  EXPECT_TRUE(m.count("results.json"));
  EXPECT_TRUE(m.count("samples_parus.jsonl"));
  EXPECT_FALSE(m.count("samples_parus_gen.jsonl"));
  EXPECT_TRUE(m.count("samples_chegeka.jsonl"));
  std::istringstream rutie(m.at("samples_rutie.jsonl"));
  std::string line;
  std::getline(rutie, line);
  const json rec = json::parse(line);
  EXPECT_EQ(rec["arguments"][0][0], evalrun::sha256_hex("prompt rutie 0"));
  EXPECT_EQ(rec["arguments"][0][1], " 1");
}

TEST(SubmissionRoundTrip, ScoresEqualTheSitesScoring) {
  const json expected = read_json(kFixtures / "expected_scores.json");
  for (bool gen : {false, true}) {
    SCOPED_TRACE(gen ? "gen" : "ll");
    const json r = score(pack(gen ? "rt-gen" : "rt-ll", gen));
    EXPECT_FALSE(r.contains("error_reason")) << r.dump(1);
    EXPECT_EQ(r["status"], "OK");
    EXPECT_TRUE(r["ready_for_public"].get<bool>());
    const json& want = expected[gen ? "gen" : "ll"];
    for (const auto& [cls, metrics] : want["results"].items())
      for (const auto& [m, v] : metrics.items()) {
        ASSERT_TRUE(r["results"][cls].contains(m)) << cls << " " << m;
        EXPECT_NEAR(r["results"][cls][m].get<double>(), v.get<double>(), 1e-12) << cls << " " << m;
      }
    EXPECT_NEAR(r["results"]["total_score"].get<double>(), want["total_score"].get<double>(), 1e-12);
    EXPECT_EQ(r["evalrun"]["checked_only"], json::array({"ruDetox"}));
    EXPECT_NE(submission_table(r).find("|ruDetox"), std::string::npos);
  }
}

TEST(SubmissionRoundTrip, WithoutGoldEveryTaskIsCheckedAndTotalIsUnknown) {
  const json r = score(pack("nogold", false), false);
  EXPECT_FALSE(r.contains("error_reason")) << r.dump(1);
  EXPECT_TRUE(r["results"]["total_score"].is_null());
  EXPECT_EQ(r["evalrun"]["checked_only"].size(), 23u);
}

TEST(SiteErrors, MissingTaskFile) {
  const json r = score(variant("no-task", "PARus.json", ""));
  EXPECT_EQ(error_types(r, "PARus"), std::set<std::string>{"no_task"});
  EXPECT_FALSE(r["ready_for_public"].get<bool>());
  EXPECT_FALSE(r["results"].contains("PARus"));  // the site drops absent tasks from results
  // A diagnostic task missing does not block the public total.
  const json r2 = score(variant("no-task-bps", "BPS.json", ""));
  EXPECT_EQ(error_types(r2, "BPS"), std::set<std::string>{"no_task"});
  EXPECT_TRUE(r2["ready_for_public"].get<bool>());
}

TEST(SiteErrors, WrongFileNameCase) {
  const json r = score(variant("case", "PARus.json", "", "parus.json"));
  EXPECT_EQ(error_types(r, "PARus"), std::set<std::string>{"no_task"});
  EXPECT_NE(r["error_reason"]["PARus"][0]["evalrun_hint"].get<std::string>().find("parus.json"), std::string::npos);
}

TEST(SiteErrors, WrongExtension) {
  const json r = score(variant("ext", "RCB.json", "", "RCB.jsonl"));
  EXPECT_EQ(error_types(r, "RCB"), std::set<std::string>{"extension"});
}

TEST(SiteErrors, BadJson) {
  const json r = score(variant("badjson", "LCS.json", "{\"data\": {\"test\": [}"));
  EXPECT_EQ(error_types(r, "LCS"), std::set<std::string>{"unreadable_file"});
  EXPECT_EQ(r["results"]["LCS"], json({{"acc", 0}}));  // zeroed
}

TEST(SiteErrors, MissingDataAndSplitKeys) {
  EXPECT_EQ(error_types(score(variant("nodata", "RWSD.json", "{\"test\": []}")), "RWSD"),
            std::set<std::string>{"no_data_field"});
  EXPECT_EQ(error_types(score(variant("nosplit", "RWSD.json", "{\"data\": {\"dev\": []}}")), "RWSD"),
            std::set<std::string>{"no_split"});
}

TEST(SiteErrors, ItemFields) {
  json sub = json::parse(entry(pack("items", false), "MathLogicQA.json"));
  json a = sub, b = sub, c = sub;
  a["data"]["test"][1].erase("outputs");
  b["data"]["test"][2].erase("meta");
  c["data"]["test"][0]["meta"].erase("id");
  const json ra = score(variant("no-out", "MathLogicQA.json", a.dump()));
  EXPECT_EQ(error_types(ra, "MathLogicQA"), std::set<std::string>{"no_outputs_field_for_doc"});
  EXPECT_EQ(ra["error_reason"]["MathLogicQA"][0]["example_number"], 1);
  EXPECT_EQ(error_types(score(variant("no-meta", "MathLogicQA.json", b.dump())), "MathLogicQA"),
            std::set<std::string>{"no_meta_field_for_doc"});
  EXPECT_EQ(error_types(score(variant("no-idf", "MathLogicQA.json", c.dump())), "MathLogicQA"),
            std::set<std::string>{"no_id_field_for_doc"});
}

TEST(SiteErrors, MissingId) {
  json sub = json::parse(entry(pack("noid", false), "ruWorldTree.json"));
  const json dropped = sub["data"]["test"][3]["meta"]["id"];
  sub["data"]["test"].erase(3);
  const json r = score(variant("noid2", "ruWorldTree.json", sub.dump()));
  EXPECT_EQ(error_types(r, "ruWorldTree"), std::set<std::string>{"no_id"});
  EXPECT_EQ(r["error_reason"]["ruWorldTree"][0]["doc_id"], dropped);
  EXPECT_FALSE(r["ready_for_public"].get<bool>());
  EXPECT_DOUBLE_EQ(r["results"]["ruWorldTree"]["acc"].get<double>(), 0.0);
}

TEST(SiteErrors, WrongOutputType) {
  json sub = json::parse(entry(pack("type", false), "PARus.json"));
  sub["data"]["test"][0]["outputs"] = 1;
  const fs::path zip = variant("type2", "PARus.json", sub.dump());
  EXPECT_EQ(error_types(score(zip), "PARus"), std::set<std::string>{"doc_output_type_error"});
  EXPECT_EQ(error_types(score(zip, false), "PARus"), std::set<std::string>{"doc_output_type_error"});
  json eth = json::parse(entry(pack("type3", false), "ruEthics.json"));
  eth["data"]["test"][0]["outputs"] = "1";  // the 5-label dict is required
  EXPECT_EQ(error_types(score(variant("type4", "ruEthics.json", eth.dump())), "ruEthics"),
            std::set<std::string>{"doc_output_type_error"});
}

TEST(SiteErrors, UnparseableOutputAndUnreadableZip) {
  json eth = json::parse(entry(pack("parse", false), "ruEthics.json"));
  eth["data"]["test"][0]["outputs"]["law"] = "не знаю";
  EXPECT_EQ(error_types(score(variant("parse2", "ruEthics.json", eth.dump())), "ruEthics"),
            std::set<std::string>{"doc_parse_output_error"});
  const fs::path junk = temp_dir("junk") / "junk.zip";
  std::ofstream(junk) << "not a zip";
  const json r = score(junk);
  EXPECT_EQ(r["status"], "Failed");
  EXPECT_EQ(r["global_error_reason"][0]["type"], "unreadable_zip");
}

TEST(Submit, RefusesMissingTaskListingIt) {
  const fs::path run = temp_dir("partial-run");
  for (const auto& e : fs::directory_iterator(kFixtures / "run"))
    if (e.path().filename() != "samples_bps.jsonl") fs::copy(e.path(), run / e.path().filename());
  SubmitOptions o;
  o.from = run;
  o.out = run / "out.zip";
  try {
    submit_mera(o);
    FAIL() << "expected a refusal";
  } catch (const evalrun::UserError& e) {
    EXPECT_NE(std::string(e.what()).find("BPS: no samples_bps.jsonl"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(o.out));
  o.allow_partial = true;
  const auto report = submit_mera(o);
  EXPECT_EQ(report.packed.size(), 22u);
  EXPECT_EQ(report.missing.size(), 1u);
  EXPECT_FALSE(zip_map(o.out).count("BPS.json"));
}

TEST(Submit, RefusesMissingTestIds) {
  const fs::path data = temp_dir("data-extra");
  fs::copy(kFixtures / "data", data, fs::copy_options::recursive);
  std::ofstream(data / "rcb" / "test.jsonl", std::ios::app)
      << R"({"instruction": "x", "inputs": {}, "outputs": "1", "meta": {"id": 999}})" << "\n";
  SubmitOptions o;
  o.from = kFixtures / "run";
  o.out = temp_dir("ids") / "out.zip";
  o.data_dir = data;
  try {
    submit_mera(o);
    FAIL() << "expected a refusal";
  } catch (const evalrun::UserError& e) {
    EXPECT_NE(std::string(e.what()).find("RCB: 1 of 5 test ids missing: 999"), std::string::npos) << e.what();
  }
}

TEST(Submit, ForeignAndOldRunDirectoriesAreNamed) {
  SubmitOptions o;
  o.from = kFixtures / "lmeval_logs";
  o.out = temp_dir("foreign") / "out.zip";
  const fs::path lm = temp_dir("lm-run");
  std::ofstream(lm / "results_2026-11-23T18-00-00.000000.json") << "{}";
  o.from = lm;
  try {
    submit_mera(o);
    FAIL();
  } catch (const evalrun::UserError& e) {
    EXPECT_NE(std::string(e.what()).find("lm-evaluation-harness"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("results.json"), std::string::npos);
  }
  const fs::path old = temp_dir("old-run");
  std::ofstream(old / "results.json") << R"({"results": {"parus": {"acc,none": 0.5}}})";
  o.from = old;
  try {
    submit_mera(o);
    FAIL();
  } catch (const evalrun::UserError& e) {
    EXPECT_NE(std::string(e.what()).find((old / "results.json").string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("evalrun_version"), std::string::npos);
  }
}

TEST(Submit, GenerativeLogPackedAsLogLikelihoodIsRefused) {
  const fs::path run = temp_dir("swapped");
  for (const auto& e : fs::directory_iterator(kFixtures / "run")) fs::copy(e.path(), run / e.path().filename());
  fs::copy_file(run / "samples_parus_gen.jsonl", run / "samples_parus.jsonl", fs::copy_options::overwrite_existing);
  SubmitOptions o;
  o.from = run;
  o.out = run / "out.zip";
  EXPECT_THROW(submit_mera(o), evalrun::UserError);
}

TEST(Submit, WarnsAboutNonStandardSettings) {
  const fs::path run = temp_dir("settings");
  for (const auto& e : fs::directory_iterator(kFixtures / "run")) fs::copy(e.path(), run / e.path().filename());
  json r = read_json(run / "results.json");
  r["n-shot"]["rcb"] = 5;
  r["config"]["seed"] = 42;
  r["configs"]["ruhumaneval"]["generation_kwargs"] = {{"do_sample", false}, {"temperature", 0.0}};
  std::ofstream(run / "results.json") << r.dump();
  SubmitOptions o;
  o.from = run;
  o.out = run / "out.zip";
  const auto report = submit_mera(o);
  std::string all;
  for (const auto& w : report.warnings) all += w + "\n";
  EXPECT_NE(all.find("RCB: ran with 5 shots; MERA's standard is 1"), std::string::npos) << all;
  EXPECT_NE(all.find("seed 42"), std::string::npos) << all;
  EXPECT_NE(all.find("ruHumanEval: generation should sample at temperature 0.6"), std::string::npos) << all;
}

TEST(Pack, RuTiEStopsAtTheFirstUnansweredQuestion) {
  const MeraTask& tie = *find_mera_task("ruTiE");
  std::vector<json> docs, records;
  for (int q = 0; q < 4; ++q) {
    json doc = {{"meta", {{"dialog_id", 0}, {"question_id", q}}}};
    docs.push_back(doc);
    if (q != 2) records.push_back({{"doc_id", q}, {"doc", doc}, {"filtered_resps", {{-1.0, false}, {-0.5, false}}}});
  }
  const json sub = pack_task(tie, records, false, docs);
  ASSERT_EQ(sub["data"]["test"].size(), 2u);
  EXPECT_EQ(sub["data"]["test"][1], json({{"outputs", "2"}, {"meta", {{"dialog_id", 0}, {"question_id", 1}}}}));
}

TEST(SiteMetrics, SquadUseAndPassAtK) {
  EXPECT_DOUBLE_EQ(site_squad_f1("", ""), 1.0);  // transformers' rule, unlike SQuAD v1.1
  EXPECT_DOUBLE_EQ(site_squad_f1("The Volga", "volga river"), 2 * 0.5 * 1.0 / 1.5);
  EXPECT_DOUBLE_EQ(site_squad_exact("The  Volga!", "volga"), 1.0);
  EXPECT_EQ(use_score("text", "1", "осень,весна", " Осень2."), 1);
  EXPECT_EQ(use_score("matching", "8", "1,2,3,4", "1,2,4,3"), 2);
  EXPECT_EQ(use_score("multiple_choice_based_on_text", "16", "1,3,5", "1,3"), 2);
  EXPECT_EQ(use_score("multiple_choice_based_on_text", "16", "1,3", "1,2,3"), 1);
  EXPECT_EQ(use_score("multiple_choice_independent_options", "2", "2,4", "4,2"), 1);
  EXPECT_DOUBLE_EQ(site_pass_at_k(10, 3, 1), 0.3);
  EXPECT_DOUBLE_EQ(site_pass_at_k(3, 0, 5), 1.0);  // n - c < k
}

TEST(Presentation, LeaderboardOrderAndResultsMarkdown) {
  json results = read_json(kFixtures / "run" / "results.json");
  results["results"]["parus"]["acc,none"] = 0.5;
  results["higher_is_better"]["parus"] = {{"acc", true}};
  const std::string table = leaderboard_table(results);
  EXPECT_LT(table.find("|BPS"), table.find("|CheGeKa"));
  EXPECT_LT(table.find("|ruHumanEval"), table.find("|ruCodeEval"));
  EXPECT_NE(table.find("|PARus       |LL  |acc"), std::string::npos) << table;
  EXPECT_NE(table.find("0.500"), std::string::npos);
  EXPECT_NE(table.find("N/A (1 of 15 main tasks scored)"), std::string::npos) << table;
  const fs::path md = temp_dir("md") / "results.md";
  write_results_markdown(results, md);
  std::ifstream in(md);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_NE(ss.str().find("## MERA (leaderboard order)"), std::string::npos);
}

TEST(CodeResults, FallbackRunsEachGenerationAsMeraDoes) {
  // Without logged code_results, each generation is appended to the function and run in the sandbox.
  const MeraTask& task = *find_mera_task("ruHumanEval");
  json doc = {{"inputs", {{"function", "def add(a, b):\n"}, {"tests", "[{'a': 1, 'b': 2}, {'a': 5, 'b': -1}]"}}},
              {"meta", {{"id", 3}, {"entry_point", "add"}}}, {"outputs", {"3", "4"}}};
  json rec = {{"doc_id", 0}, {"doc", doc},
              {"filtered_resps",
               {"    return a + b\n", "    return a - b\n", "    return 1 / 0\n", "```python\n    return a + b\n```",
                "    print('noise')\n    return a + b\n", "    return undefined_name\n", "    x = (\n"}}};
  const json sub = pack_task(task, {rec}, true);
  const json& gens = sub["data"]["test"][0]["outputs"][0];
  ASSERT_EQ(gens.size(), 7u);
  EXPECT_EQ(gens[0], json({"3", "4"}));
  EXPECT_EQ(gens[1], json({"-1", "6"}));
  EXPECT_EQ(gens[2], json({nullptr, nullptr}));  // raising calls -> None
  EXPECT_EQ(gens[3], json({"3", "4"}));          // MERA strips a ```python fence
  EXPECT_EQ(gens[4], json({"3", "4"}));          // printed output does not disturb the results
  EXPECT_EQ(gens[5], json({nullptr, nullptr}));
  EXPECT_EQ(gens[6], json({nullptr, nullptr}));  // a syntax error fails exec: every test None
}
