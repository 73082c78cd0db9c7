#include "backends/engine/engine_backend.h"

#include "common/errors.h"

namespace evalrun::engine {

std::unique_ptr<backends::Backend> make_engine_backend(const backends::BackendOptions& options, DeviceKind) {
  throw UserError("--model " + options.model + ": the in-process engine is not built yet");
}

bool cuda_available() { return false; }

}  // namespace evalrun::engine
