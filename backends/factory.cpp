#include "backends/backend.h"

#include "common/errors.h"

namespace evalrun::backends {

std::unique_ptr<Backend> make_backend(const BackendOptions& options) {
  throw UserError("--backend " + options.backend + ": no backend is available yet for model '" + options.model + "'");
}

}  // namespace evalrun::backends
