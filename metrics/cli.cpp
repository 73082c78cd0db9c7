#include "metrics/cli.h"

#include <iostream>
#include <memory>

#include "metrics/score_file.h"

namespace evalrun::metrics {

namespace {
struct ScoreMetricOptions {
  std::string metric;
  std::vector<std::string> params;
  std::string input;
  int bootstrap_iters = 1000;
  uint64_t seed = 1234;
  int threads = 0;
};
}  // namespace

void add_commands(CLI::App& app, CommandTable& table) {
  auto opts = std::make_shared<ScoreMetricOptions>();
  auto* sub = app.add_subcommand("score-metric", "Score a JSONL file of predictions with one metric");
  sub->add_option("--metric", opts->metric, "metric name (e.g. acc, exact_match, bleu, chrf, rougeL, mcc)")
      ->required();
  sub->add_option("--param", opts->params, "metric kwarg KEY=VALUE (VALUE parsed as JSON when possible)");
  sub->add_option("--input", opts->input, "JSONL file, one sample per line")->required();
  sub->add_option("--bootstrap-iters", opts->bootstrap_iters, "bootstrap iterations for corpus metrics (0: off)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--seed", opts->seed, "bootstrap seed");
  sub->add_option("--threads", opts->threads, "worker threads (0: all cores)")->check(CLI::NonNegativeNumber);
  table.add(sub, [opts] {
    nlohmann::json kwargs = nlohmann::json::object();
    for (const auto& p : opts->params) add_param(kwargs, p);
    StderrOptions so;
    so.bootstrap_iters = opts->bootstrap_iters;
    so.seed = opts->seed;
    so.threads = opts->threads;
    std::cout << score_file(opts->metric, kwargs, opts->input, so).dump() << "\n";
    return 0;
  });
}

}  // namespace evalrun::metrics
