#include "backends/http/http_backend.h"

#include "common/errors.h"

namespace evalrun::http {

std::unique_ptr<backends::Backend> make_http_backend(const backends::BackendOptions& options) {
  throw UserError("--model " + options.model + ": the HTTP backend is not built yet");
}

}  // namespace evalrun::http
