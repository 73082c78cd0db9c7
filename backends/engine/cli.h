#pragma once
#include "common/cli.h"

namespace evalrun::engine {

// Registers this folder's subcommands.
void add_commands(CLI::App& app, CommandTable& table);

}  // namespace evalrun::engine
