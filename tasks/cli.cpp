#include "tasks/cli.h"

namespace evalrun::tasks {

void add_commands(CLI::App& /*app*/, CommandTable& /*table*/) {}

}  // namespace evalrun::tasks
