#pragma once
// Each folder registers its own subcommands on the one CLI11 app; main runs the selected one.
#include <functional>
#include <vector>

#include <CLI/CLI.hpp>

namespace evalrun {

struct CommandTable {
  // The subcommand and the action to run when it was selected (returns the exit code).
  std::vector<std::pair<CLI::App*, std::function<int()>>> entries;
  void add(CLI::App* sub, std::function<int()> action) { entries.emplace_back(sub, std::move(action)); }
};

}  // namespace evalrun
