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

// Up to max_results candidates closest to word (edit distance, or containing it), best first.
std::vector<std::string> closest_names(const std::string& word, const std::vector<std::string>& candidates,
                                       size_t max_results = 3);

}  // namespace evalrun::evaluator
