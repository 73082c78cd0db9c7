#include "submissions/cli.h"

namespace evalrun::submissions {

void add_commands(CLI::App& /*app*/, CommandTable& /*table*/) {}

}  // namespace evalrun::submissions
