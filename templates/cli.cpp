#include "templates/cli.h"

namespace evalrun::templates {

void add_commands(CLI::App& /*app*/, CommandTable& /*table*/) {}

}  // namespace evalrun::templates
