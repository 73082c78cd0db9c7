// Bootstrap stderr: deterministic for a seed whatever the thread count; agrees with the closed form for means.
#include <gtest/gtest.h>

#include <cmath>

#include "metrics/bootstrap.h"

namespace evalrun::metrics {
namespace {

TEST(Bootstrap, DeterministicAcrossThreadCounts) {
  std::vector<double> x;
  for (int i = 0; i < 500; ++i) x.push_back(std::sin(i * 0.7) + (i % 7) * 0.1);
  auto mean = [&](const std::vector<uint32_t>& idx) {
    double s = 0;
    for (auto i : idx) s += x[i];
    return s / static_cast<double>(idx.size());
  };
  StderrOptions o;
  o.bootstrap_iters = 400;
  o.seed = 7;
  o.threads = 1;
  const auto one = bootstrap_stderr(x.size(), o, mean);
  o.threads = 3;
  const auto three = bootstrap_stderr(x.size(), o, mean);
  o.threads = 8;
  const auto eight = bootstrap_stderr(x.size(), o, mean);
  ASSERT_TRUE(one && three && eight);
  EXPECT_EQ(*one, *three);  // bit-identical
  EXPECT_EQ(*one, *eight);
  o.seed = 8;
  EXPECT_NE(*bootstrap_stderr(x.size(), o, mean), *one);
  // Bootstrap stderr of a mean ~ sample std / sqrt(n) (within Monte-Carlo noise).
  double m = 0, sq = 0;
  for (double v : x) m += v;
  m /= static_cast<double>(x.size());
  for (double v : x) sq += (v - m) * (v - m);
  const double closed = std::sqrt(sq / (static_cast<double>(x.size()) - 1)) / std::sqrt(static_cast<double>(x.size()));
  EXPECT_NEAR(*one / closed, 1.0, 0.15);
}

TEST(Bootstrap, DisabledOrDegenerate) {
  StderrOptions o;
  o.bootstrap_iters = 0;
  EXPECT_FALSE(bootstrap_stderr(10, o, [](const auto&) { return 1.0; }));
  o.bootstrap_iters = 10;
  EXPECT_FALSE(bootstrap_stderr(0, o, [](const auto&) { return 1.0; }));
  EXPECT_FALSE(bootstrap_stderr(10, o, [](const auto&) { return NAN; }));
}

TEST(Bootstrap, RngBelowIsInRange) {
  BootstrapRng r(1, 2);
  for (int i = 0; i < 1000; ++i) EXPECT_LT(r.below(7), 7u);
}

}  // namespace
}  // namespace evalrun::metrics
