#pragma once
#include "common/cli.h"

namespace evalrun::tasks {

// Registers this folder's subcommands.
void add_commands(CLI::App& app, CommandTable& table);

}  // namespace evalrun::tasks
