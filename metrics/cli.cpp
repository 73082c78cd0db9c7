#include "metrics/cli.h"

namespace evalrun::metrics {

void add_commands(CLI::App& /*app*/, CommandTable& /*table*/) {}

}  // namespace evalrun::metrics
