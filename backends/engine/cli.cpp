#include "backends/engine/cli.h"

namespace evalrun::engine {

void add_commands(CLI::App& /*app*/, CommandTable& /*table*/) {}

}  // namespace evalrun::engine
