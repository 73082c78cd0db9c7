#include "backends/mock_backend.h"

#include "common/errors.h"

namespace evalrun::backends {

std::unique_ptr<Backend> make_mock_backend(const BackendOptions& options) {
  throw UserError("--model " + options.model + ": the mock backend is not built yet");
}

}  // namespace evalrun::backends
