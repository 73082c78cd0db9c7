#include "backends/model/cli.h"

namespace evalrun::model {

void add_commands(CLI::App& /*app*/, CommandTable& /*table*/) {}

}  // namespace evalrun::model
