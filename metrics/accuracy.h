#pragma once
#include <cstddef>
#include <vector>

namespace evalrun::metrics {

// numpy.argmax: the first NaN if any, else the first maximum. Requires a non-empty vector.
size_t np_argmax(const std::vector<double>& values);

}  // namespace evalrun::metrics
