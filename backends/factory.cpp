// The one place that maps --model/--backend to a Backend implementation.
#include <cstdlib>
#include <string>

#include "backends/backend.h"
#include "backends/engine/engine_backend.h"
#include "backends/http/http_backend.h"
#include "backends/mock_backend.h"
#include "common/errors.h"

namespace evalrun::backends {

std::unique_ptr<Backend> make_backend(const BackendOptions& options) {
  const std::string& model = options.model;
  if (model.empty()) throw UserError("--model: required (a Hugging Face model directory or api:<name>)");
  if (model.rfind("mock:", 0) == 0) {
    const char* enabled = std::getenv("EVALRUN_ENABLE_MOCK_BACKEND");
    if (!enabled || std::string(enabled) != "1")
      throw UserError("--model " + model + ": mock models exist only for evalrun's own tests");
    return make_mock_backend(options);
  }
  const bool api_model = model.rfind("api:", 0) == 0;
  if (options.backend == "api" || api_model) {
    if (!api_model) throw UserError("--backend api: --model must be api:<model-name>, got '" + model + "'");
    return http::make_http_backend(options);
  }
  if (options.backend == "cpu") return engine::make_engine_backend(options, engine::DeviceKind::kCpu);
  if (options.backend == "cuda") {
    if (!engine::cuda_available())
      throw UserError("--backend cuda: no usable CUDA GPU (or evalrun was built without CUDA); use --backend cpu");
    return engine::make_engine_backend(options, engine::DeviceKind::kCuda);
  }
  if (options.backend == "auto")
    return engine::make_engine_backend(
        options, engine::cuda_available() ? engine::DeviceKind::kCuda : engine::DeviceKind::kCpu);
  throw UserError("--backend: expected auto, cpu, cuda or api, got '" + options.backend + "'");
}

}  // namespace evalrun::backends
