#pragma once
// Sends every unanswered request to the backend (cache first), longest first so batches are uniform,
// committing each response to the cache inside the backend's callback as it arrives.
#include <cstddef>

#include "backends/backend.h"
#include "evaluator/cache.h"
#include "evaluator/requests.h"

namespace evalrun::evaluator {

struct ScheduleStats {
  size_t total = 0;      // distinct requests
  size_t cached = 0;     // answered from the cache
  size_t computed = 0;   // sent to the backend
};

// cache may be null (--no-cache). Responses land in table.requests()[i].response.
ScheduleStats answer_requests(backends::Backend& backend, RequestTable& table, Cache* cache, bool quiet);

}  // namespace evalrun::evaluator
