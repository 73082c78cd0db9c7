#pragma once

namespace evalrun::metrics {

// Unbiased pass@k estimator 1 - C(n-c, k) / C(n, k) in the numerically stable product form
// 1 - prod_{i=n-c+1}^{n} (1 - k / i). Requires 0 <= c <= n and 1 <= k <= n.
double pass_at_k(int n, int c, int k);

}  // namespace evalrun::metrics
