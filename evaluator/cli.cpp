#include "evaluator/cli.h"

namespace evalrun::evaluator {

void add_commands(CLI::App& /*app*/, CommandTable& /*table*/) {}

std::string explain_parse_error(const CLI::App&, const std::vector<std::string>&, const std::string& message) {
  return message;
}

}  // namespace evalrun::evaluator
