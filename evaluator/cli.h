#pragma once
#include <string>
#include <vector>

#include "common/cli.h"

namespace evalrun::evaluator {

// Registers run (default), tasks, validate and merge.
void add_commands(CLI::App& app, CommandTable& table);

// Turns a CLI11 parse error into one line; unknown flags/subcommands get the closest valid names.
std::string explain_parse_error(const CLI::App& app, const std::vector<std::string>& args,
                                const std::string& message);

}  // namespace evalrun::evaluator
