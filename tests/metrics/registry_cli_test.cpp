// Registry errors, JSONL scoring (score_file) and the `evalrun score-metric` subcommand end to end.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/errors.h"
#include "metrics/metric.h"
#include "metrics/score_file.h"

namespace evalrun::metrics {
namespace {

std::string write_temp(const std::string& name, const std::string& content) {
  const auto path = std::filesystem::temp_directory_path() / ("evalrun_metrics_" + name);
  std::ofstream(path) << content;
  return path.string();
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

TEST(Registry, NamesAndClosestSuggestions) {
  const auto names = metric_names();
  for (const char* n : {"acc", "acc_norm", "acc_bytes", "acc_mutual_info", "exact_match", "squad_em", "squad_f1", "mcc",
                        "f1", "f1_macro", "bleu", "chrf", "sentence_bleu", "sentence_chrf", "rouge1", "rouge2", "rougeL",
                        "rougeLsum", "perplexity", "word_perplexity", "byte_perplexity", "bits_per_byte", "pass@k"})
    EXPECT_TRUE(metric_exists(n)) << n;
  EXPECT_TRUE(metric_exists("pass@100"));
  EXPECT_FALSE(metric_exists("pass@"));
  EXPECT_EQ(names.size(), 25u);  // + use_grade_norm, ruethics_mcc (metrics/mera_metrics.cpp)
  const auto msg = error_of([] { make_metric("acc_nrom"); });
  EXPECT_NE(msg.find("unknown metric 'acc_nrom'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("acc_norm"), std::string::npos) << msg;
  EXPECT_THROW(make_metric("acc", {}, "median"), UserError);
  EXPECT_THROW(make_metric("bleu", {{"tokenize", "zh"}}), UserError);
}

TEST(ScoreFile, AccuracyAndBleu) {
  const auto acc = write_temp("acc.jsonl",
                              "{\"choice_logprobs\": [-1, -2], \"gold\": 0, \"choices\": [\"a\", \"b\"]}\n\n"
                              "{\"choice_logprobs\": [-1, -2], \"gold\": [1], \"choices\": [\"a\", \"b\"]}\n");
  const auto r = score_file("acc", nlohmann::json::object(), acc, {});
  EXPECT_EQ(r["value"], 0.5);
  EXPECT_EQ(r["n"], 2);
  EXPECT_NEAR(r["stderr"].get<double>(), 0.5, 1e-12);
  const auto bleu = write_temp("bleu.jsonl", "{\"prediction\": \"кот сидит на ковре\", \"reference\": [\"кот сидит на ковре\"]}\n");
  StderrOptions so;
  so.bootstrap_iters = 10;
  const auto b = score_file("bleu", nlohmann::json::object(), bleu, so);
  EXPECT_NEAR(b["value"].get<double>(), 100.0, 1e-9);
}

TEST(ScoreFile, BadInputsAreOneLineErrors) {
  const auto bad_type = write_temp("bad.jsonl", "{\"prediction\": \"a\", \"reference\": \"a\"}\n{\"prediction\": 3}\n");
  auto msg = error_of([&] { score_file("exact_match", nlohmann::json::object(), bad_type, {}); });
  EXPECT_NE(msg.find("bad.jsonl:2: field 'prediction': expected a string or a list of strings"), std::string::npos)
      << msg;
  const auto empty = write_temp("empty.jsonl", "\n");
  msg = error_of([&] { score_file("exact_match", nlohmann::json::object(), empty, {}); });
  EXPECT_NE(msg.find("no samples"), std::string::npos) << msg;
  const auto no_ref = write_temp("noref.jsonl", "{\"prediction\": \"a\"}\n");
  msg = error_of([&] { score_file("exact_match", nlohmann::json::object(), no_ref, {}); });
  EXPECT_NE(msg.find("noref.jsonl:1:"), std::string::npos) << msg;
  const auto ppl = write_temp("ppl.jsonl", "{\"logprob\": -1e308, \"text\": \"a\"}\n{\"logprob\": -1e308, \"text\": \"b\"}\n");
  msg = error_of([&] { score_file("perplexity", nlohmann::json::object(), ppl, {}); });
  EXPECT_NE(msg.find("not finite"), std::string::npos) << msg;
  nlohmann::json kw;
  EXPECT_THROW(add_param(kw, "novalue"), UserError);
  add_param(kw, "ignore_case=true");
  add_param(kw, "pos_label=yes");
  EXPECT_EQ(kw["ignore_case"], true);
  EXPECT_EQ(kw["pos_label"], "yes");
}

std::string run(const std::string& args, int* rc) {
  const std::string cmd = std::string(EVALRUN_EXE) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[512];
  while (fgets(buf, sizeof buf, p)) out += buf;
  *rc = WEXITSTATUS(pclose(p));
  return out;
}

TEST(Cli, ScoreMetricSubcommand) {
  const auto input = write_temp("cli.jsonl", "{\"prediction\": \"Да\", \"reference\": [\"да\", \"нет\"]}\n"
                                             "{\"prediction\": \"Нет.\", \"reference\": \"нет\"}\n");
  int rc = 0;
  auto out = run("score-metric --metric exact_match --param ignore_case=true --param ignore_punctuation=true --input " +
                     input,
                 &rc);
  EXPECT_EQ(rc, 0) << out;
  const auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["metric"], "exact_match");
  EXPECT_EQ(j["value"], 1.0);
  EXPECT_EQ(j["stderr"], 0.0);
  out = run("score-metric --metric exact_mtch --input " + input, &rc);
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find("closest: exact_match"), std::string::npos) << out;
  out = run("score-metric --metric f1 --input " + input + " --bootstrap-iters 20 --seed 3", &rc);
  EXPECT_EQ(rc, 2) << out;  // three labels: binary F1 refuses
}

}  // namespace
}  // namespace evalrun::metrics
