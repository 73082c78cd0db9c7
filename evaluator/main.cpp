// evalrun entry point: builds the CLI from every folder's subcommands, runs the selected one, and turns
// errors into one line on stderr (exit 2 for user errors, 1 for internal ones).
#include <cstdio>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "backends/engine/cli.h"
#include "backends/model/cli.h"
#include "common/errors.h"
#include "evaluator/cli.h"
#include "evaluator/version.h"
#include "metrics/cli.h"
#include "submissions/cli.h"
#include "tasks/cli.h"
#include "templates/cli.h"

int main(int argc, char** argv) {
  using namespace evalrun;
  CLI::App app{"evalrun: evaluate language models (lm-evaluation-harness / MERA compatible)", "evalrun"};
  app.set_version_flag("--version", std::string("evalrun ") + kVersion + " (" + kGitHash + ")");
  app.require_subcommand(0, 1);
  CommandTable table;
  try {
    evaluator::add_commands(app, table);
    tasks::add_commands(app, table);
    metrics::add_commands(app, table);
    model::add_commands(app, table);
    templates::add_commands(app, table);
    engine::add_commands(app, table);
    submissions::add_commands(app, table);
  } catch (const std::exception& e) {
    std::cerr << "evalrun: internal error: " << e.what() << "\n";
    return 1;
  }

  // `run` is the default subcommand: `evalrun --model M --tasks T` means `evalrun run --model M ...`.
  std::vector<std::string> args(argv + 1, argv + argc);
  std::set<std::string> names;
  for (auto* sub : app.get_subcommands({})) names.insert(sub->get_name());
  if (!args.empty() && !names.count(args[0]) && args[0] != "--version" && args[0] != "--help" &&
      args[0] != "-h" && names.count("run"))
    args.insert(args.begin(), "run");
  std::vector<std::string> reversed(args.rbegin(), args.rend());

  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string message = e.what();
    std::cerr << "evalrun: " << evaluator::explain_parse_error(app, args, message) << "\n";
    return 2;
  }

  try {
    for (auto& [sub, action] : table.entries)
      if (sub->parsed()) return action();
    std::cout << app.help();
    return 0;
  } catch (const UserError& e) {
    std::cerr << "evalrun: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "evalrun: internal error: " << e.what() << "\n";
    return 1;
  }
}
