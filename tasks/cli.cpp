#include "tasks/cli.h"

#include <cstdlib>
#include <iostream>
#include <memory>
#include <sstream>

#include "common/errors.h"
#include "tasks/hub_download.h"

namespace evalrun::tasks {
namespace {

struct PullArgs {
  std::string dataset;
  std::string to;
  std::string revision = "main";
  std::string only;
  bool offline = false;
};

std::filesystem::path default_data_dir() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  std::filesystem::path base = xdg && *xdg ? xdg : (home && *home ? std::filesystem::path(home) / ".cache" : ".");
  return base / "evalrun" / "datasets";
}

}  // namespace

void add_commands(CLI::App& app, CommandTable& table) {
  auto* data = app.add_subcommand("data", "Dataset management");
  data->require_subcommand(1);
  auto* pull = data->add_subcommand("pull", "Download a dataset snapshot from the Hugging Face Hub (resumable, verified)");
  auto args = std::make_shared<PullArgs>();
  pull->add_option("dataset", args->dataset, "'mera' (MERA-evaluation/MERA) or a dataset repo id owner/name")->required();
  pull->add_option("--to", args->to, "Destination folder (default: ~/.cache/evalrun/datasets/<repo>)");
  pull->add_option("--revision", args->revision, "Branch, tag or commit (default: main)");
  pull->add_option("--only", args->only, "Comma list of tasks (folders under data/) to download");
  pull->add_flag("--offline", args->offline, "Do not use the network; verify a previous pull (also HF_HUB_OFFLINE=1)");
  table.add(pull, [args] {
    HubPullOptions options;
    options.repo = args->dataset == "mera" ? "MERA-evaluation/MERA" : args->dataset;
    if (options.repo.find('/') == std::string::npos)
      throw UserError("data pull: dataset: expected 'mera' or a repo id owner/name, got '" + args->dataset + "'");
    options.revision = args->revision;
    options.offline = args->offline;
    options.to = args->to.empty() ? default_data_dir() / options.repo : std::filesystem::path(args->to);
    std::stringstream only(args->only);
    for (std::string task; std::getline(only, task, ',');)
      if (!task.empty()) options.only_prefixes.push_back("data/" + task + "/");
    options = with_environment_defaults(options);
    const HubPullReport report =
        pull_dataset(options, [](const std::string& path) { std::cerr << "downloaded " << path << "\n"; });
    std::cerr << options.repo << "@" << options.revision << ": " << report.files.size() << " files ("
              << report.downloaded << " downloaded, " << report.resumed << " resumed, " << report.already_present
              << " already present)\n";
    std::cout << "use: --data-dir " << options.to.string() << "\n";
    return 0;
  });
}

}  // namespace evalrun::tasks
