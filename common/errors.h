#pragma once
// User-facing errors: caught once in main, printed as one line, exit code 2.
#include <stdexcept>
#include <string>

namespace evalrun {

// Bad input from the user (files, flags, configs, data). The message names the file, line/field and
// what was expected, e.g. "tasks/parus.yaml:12: key 'output_type': expected one of ...".
class UserError : public std::runtime_error {
 public:
  explicit UserError(const std::string& message) : std::runtime_error(message) {}
};

// Builds "file:line: message" (line omitted when 0).
std::string located(const std::string& file, int line, const std::string& message);

}  // namespace evalrun
