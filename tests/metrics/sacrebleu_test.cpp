// BLEU / chrF against figures published in sacrebleu's own test suite (tests/fixtures/metrics/published.json).
#include <gtest/gtest.h>

#include <cmath>

#include "metrics/metric.h"
#include "metrics/sacrebleu.h"
#include "tests/metrics/fixture.h"

namespace evalrun::metrics {
namespace {

using testing::load_fixture;

std::vector<std::vector<std::string>> transpose_refs(const nlohmann::json& streams, size_t n) {
  std::vector<std::vector<std::string>> out(n);
  for (const auto& stream : streams)
    for (size_t i = 0; i < n; ++i) out[i].push_back(stream[i].get<std::string>());
  return out;
}

TEST(SacreBleu, Tokenize13a) {
  for (const auto& c : load_fixture("tokenize_13a.json")["cases"])
    EXPECT_EQ(tokenize_13a(c[0].get<std::string>()), c[1].get<std::string>()) << c[0];
}

TEST(SacreBleu, CorpusBleuPublished) {
  const auto f = load_fixture("published.json");
  const auto readme = f["bleu_readme_hyps"].get<std::vector<std::string>>();
  const auto refs = transpose_refs(f["bleu_readme_refs"], readme.size());
  for (const auto& c : f["corpus_bleu"]) {
    BleuOptions o;
    const auto& kw = c["kwargs"];
    if (kw.contains("tokenize")) o.tokenize = kw["tokenize"];
    if (kw.contains("smooth_method")) o.smooth_method = kw["smooth_method"];
    if (kw.contains("max_ngram_order")) o.max_ngram_order = kw["max_ngram_order"];
    const auto hyps = c["hyps"].is_string() ? readme : c["hyps"].get<std::vector<std::string>>();
    EXPECT_NEAR(corpus_bleu(hyps, refs, o), c["score"].get<double>(), c["eps"].get<double>()) << c["source"] << " " << kw;
  }
}

TEST(SacreBleu, RawCorpusBleuAndEffectiveOrder) {
  for (const auto& c : load_fixture("published.json")["raw_corpus_bleu"]) {
    BleuOptions o;
    o.tokenize = "none";
    o.smooth_method = "floor";
    o.smooth_value = c["smooth_value"].get<double>();
    o.effective_order = true;
    std::vector<std::vector<std::string>> refs;
    for (const auto& r : c["refs"]) refs.push_back(r.get<std::vector<std::string>>());
    EXPECT_NEAR(corpus_bleu(c["hyps"].get<std::vector<std::string>>(), refs, o) / 100.0, c["score"].get<double>(), 1e-8)
        << c["source"];
  }
}

TEST(SacreBleu, SegmentStatistics) {
  const auto c = load_fixture("published.json")["bleu_statistics"];
  BleuOptions o;
  o.tokenize = "none";
  const auto s = bleu_segment_stats(c["hyp"], {c["ref"].get<std::string>()}, o);
  const auto counts = c["counts"].get<std::vector<double>>();
  const auto totals = c["totals"].get<std::vector<double>>();
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(s[2 + i], counts[i]);
    EXPECT_EQ(s[6 + i], totals[i]);
  }
}

TEST(SacreBleu, ComputeBleuFromStatistics) {
  for (const auto& c : load_fixture("published.json")["compute_bleu"]) {
    BleuOptions o;
    o.smooth_method = c["smooth_method"];
    if (c.contains("smooth_value")) o.smooth_value = c["smooth_value"].get<double>();
    std::vector<double> stats = {c["sys_len"].get<double>(), c["ref_len"].get<double>()};
    for (const auto& v : c["correct"]) stats.push_back(v.get<double>());
    for (const auto& v : c["total"]) stats.push_back(v.get<double>());
    EXPECT_NEAR(bleu_from_stats(stats, o) / 100.0, c["score"].get<double>(), 1e-8) << c["source"];
  }
}

TEST(SacreBleu, SentenceBleuPublished) {
  const auto f = load_fixture("published.json");
  const std::string hyp = f["sentence_bleu_hyp"], ref = f["sentence_bleu_ref"];
  for (const auto& c : f["sentence_bleu"]) {
    BleuOptions o;
    o.effective_order = true;
    o.smooth_method = c["smooth_method"];
    o.tokenize = c["tokenize"];
    if (c.contains("smooth_value")) o.smooth_value = c["smooth_value"].get<double>();
    EXPECT_NEAR(sentence_bleu(hyp, {ref}, o), c["score"].get<double>(), 1e-3) << c;
  }
  const auto& z = f["sentence_bleu_zero"];
  for (const auto& m : z["smooth_methods"]) {
    BleuOptions o;
    o.effective_order = true;
    o.smooth_method = m[0];
    if (!m[1].is_null()) o.smooth_value = m[1].get<double>();
    EXPECT_EQ(sentence_bleu(z["hyp"], {z["ref"].get<std::string>()}, o), 0.0) << m;
  }
}

void check_chrf_cases(const nlohmann::json& block, ChrfOptions o) {
  for (const auto& c : block["cases"]) {
    const auto hyps = c["hyps"].get<std::vector<std::string>>();
    std::vector<std::vector<std::string>> refs;
    for (const auto& r : c["refs"]) refs.push_back({r.get<std::string>()});
    EXPECT_NEAR(corpus_chrf(hyps, refs, o), c["score"].get<double>(), block["eps"].get<double>()) << c;
  }
}

TEST(SacreBleu, ChrfPublished) {
  const auto f = load_fixture("published.json");
  ChrfOptions o;
  o.beta = 3;
  o.eps_smoothing = true;
  check_chrf_cases(f["chrf_eps_beta3"], o);
  o.eps_smoothing = false;
  check_chrf_cases(f["chrf_effective_order_beta3"], o);
  o.whitespace = true;
  check_chrf_cases(f["chrf_keep_whitespace_beta3"], o);
  ChrfOptions s;
  s.eps_smoothing = true;
  for (const auto& c : f["sentence_chrf_eps"]["cases"])
    EXPECT_NEAR(sentence_chrf(c["hyp"], c["refs"].get<std::vector<std::string>>(), s), c["score"].get<double>(), 1e-4);
}

// Cyrillic: hand-computed from the definitions (code points, not bytes; Unicode lowercasing).
TEST(SacreBleu, CyrillicBleu) {
  BleuOptions o;
  // Tokens: кот сидит на ковре / кот сидит на полу: p1=3/4, p2=2/3, p3=1/2, p4=0/1 (exp smoothing: 100/(2*1)).
  const double expected = std::exp((std::log(75.0) + std::log(200.0 / 3) + std::log(50.0) + std::log(50.0)) / 4);
  EXPECT_NEAR(corpus_bleu({"кот сидит на ковре."}, {{"кот сидит на полу."}}, o),
              std::exp((std::log(80.0) + std::log(50.0) + std::log(100.0 / 3) + std::log(25.0)) / 4), 1e-9);
  EXPECT_NEAR(corpus_bleu({"кот сидит на ковре"}, {{"кот сидит на полу"}}, o), expected, 1e-9);
  EXPECT_NEAR(corpus_bleu({"Кот сидит, на ковре!"}, {{"Кот сидит, на ковре!"}}, o), 100.0, 1e-9);
  // Case matters unless lowercase=true (Python str.lower on Cyrillic).
  EXPECT_LT(corpus_bleu({"КОТ СИДИТ НА КОВРЕ"}, {{"кот сидит на ковре"}}, o), 1.0);
  o.lowercase = true;
  EXPECT_NEAR(corpus_bleu({"КОТ СИДИТ НА КОВРЕ"}, {{"кот сидит на ковре"}}, o), 100.0, 1e-9);
}

TEST(SacreBleu, MultipleReferencesClosestLength) {
  BleuOptions o;
  o.tokenize = "none";
  // hyp 3 tokens; refs of 2 and 4 tokens are equally close -> the shorter (2) is used: no brevity penalty.
  const auto s = bleu_segment_stats("a b c", {"a b", "a b c d"}, o);
  EXPECT_EQ(s[0], 3);
  EXPECT_EQ(s[1], 2);
  // n-gram counts are clipped by the max count over references.
  const auto t = bleu_segment_stats("a a a", {"a b", "a a c"}, o);
  EXPECT_EQ(t[2], 2);
}

TEST(SacreBleu, CyrillicChrfUsesCodePoints) {
  ChrfOptions o;
  // "ёж" vs "еж": 1-grams: 1 of 2 match; 2-grams: 0 of 1; orders 3..6 absent -> effective order 2.
  // avg P = avg R = (1/2 + 0) / 2 = 0.25 -> F = 0.25 -> 25.
  EXPECT_NEAR(sentence_chrf("ёж", {"еж"}, o), 25.0, 1e-9);
  EXPECT_NEAR(sentence_chrf("Ёж", {"ёж"}, o), 25.0, 1e-9);  // case-sensitive by default
  o.lowercase = true;
  EXPECT_NEAR(sentence_chrf("ЁЖ", {"ёж"}, o), 100.0, 1e-9);
}

TEST(SacreBleu, MetricRegistryCorpusBleu) {
  auto m = make_metric("bleu");
  const auto f = load_fixture("published.json");
  const auto hyps = f["bleu_readme_hyps"].get<std::vector<std::string>>();
  const auto refs = transpose_refs(f["bleu_readme_refs"], hyps.size());
  std::vector<nlohmann::json> items;
  for (size_t i = 0; i < hyps.size(); ++i) {
    SampleInput s;
    s.predictions = {hyps[i]};
    s.references = refs[i];
    items.push_back(m->per_sample(s));
  }
  StderrOptions so;
  so.bootstrap_iters = 200;
  const auto agg = m->aggregate(items, so);
  EXPECT_NEAR(agg.value, 48.530827, 1e-6);
  ASSERT_TRUE(agg.stderr_value.has_value());
  EXPECT_GT(*agg.stderr_value, 0.0);
  auto chrf = make_metric("chrf", {{"beta", 3}, {"eps_smoothing", true}});
  items = {nlohmann::json::array({"a b c", nlohmann::json::array({"abc"})})};
  EXPECT_NEAR(chrf->aggregate(items, so).value, 50.0, 1e-4);
}

}  // namespace
}  // namespace evalrun::metrics
