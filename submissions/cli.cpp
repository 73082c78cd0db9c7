#include "submissions/cli.h"

#include <fstream>
#include <iostream>

#include "common/errors.h"
#include "submissions/mera.h"

namespace evalrun::submissions {
namespace fs = std::filesystem;

void add_commands(CLI::App& app, CommandTable& table) {
  struct SubmitFlags {
    std::string suite, from, out, data_dir;
    bool gen = false, allow_partial = false;
  };
  auto sf = std::make_shared<SubmitFlags>();
  auto* submit = app.add_subcommand("submit", "pack a run's outputs into a leaderboard submission zip");
  submit->add_option("suite", sf->suite, "leaderboard (only: mera)")->required()->check(CLI::IsMember({"mera"}));
  submit->add_option("--from", sf->from, "the run's --output-dir (results.json + samples_<task>.jsonl)")->required();
  submit->add_option("--out", sf->out, "the zip to write, e.g. submission.zip")->required();
  submit->add_flag("--gen", sf->gen, "generative mode: pack the _gen tasks' answers");
  submit->add_flag("--allow-partial", sf->allow_partial, "pack even when tasks or test ids are missing");
  submit->add_option("--data-dir", sf->data_dir, "MERA data folder: the test ids to expect (default: the run's)");
  table.add(submit, [sf] {
    SubmitOptions o;
    o.from = sf->from;
    o.out = sf->out;
    o.gen = sf->gen;
    o.allow_partial = sf->allow_partial;
    if (!sf->data_dir.empty()) o.data_dir = fs::path(sf->data_dir);
    const SubmitReport report = submit_mera(o);
    for (const auto& w : report.warnings) std::cerr << "warning: " << w << "\n";
    for (const auto& m : report.missing) std::cerr << "left out: " << m << "\n";
    std::ifstream in(o.from / "results.json");
    const auto results = nlohmann::json::parse(in, nullptr, false);
    if (!results.is_discarded()) std::cout << leaderboard_table(results) << "\n";
    std::cout << "Packed " << report.packed.size() << " of 23 tasks into " << report.zip.string()
              << (report.missing.empty() ? "" : " (PARTIAL: the site will zero the missing parts)") << "\n";
    return 0;
  });

  struct ScoreFlags {
    std::string zip, gold, json_out;
  };
  auto cf = std::make_shared<ScoreFlags>();
  auto* score = app.add_subcommand("score-submission", "check and score a MERA submission zip as the site does");
  score->add_option("zip", cf->zip, "the submission zip")->required();
  score->add_option("--gold", cf->gold, "folder of test splits with answers (<task>/test.jsonl)");
  score->add_option("--json", cf->json_out, "also write the site-style response JSON here");
  table.add(score, [cf] {
    ScoreOptions o;
    o.zip = cf->zip;
    if (!cf->gold.empty()) o.gold_dir = fs::path(cf->gold);
    if (!fs::exists(o.zip)) throw UserError(cf->zip + ": no such file");
    const auto response = score_submission(o);
    std::cout << submission_table(response) << "\n";
    if (response.contains("global_error_reason") && !response["global_error_reason"].empty())
      std::cout << "archive: " << response["global_error_reason"].dump() << "\n";
    if (response.contains("error_reason"))
      for (const auto& [task, list] : response["error_reason"].items())
        for (size_t i = 0; i < list.size() && i < 5; ++i) std::cout << task << ": " << list[i].dump() << "\n";
    const std::string note = response["evalrun"].value("note", std::string());
    if (!note.empty()) std::cout << note << "\n";
    if (!cf->json_out.empty()) std::ofstream(cf->json_out) << response.dump(2) << "\n";
    return response.contains("error_reason") || response.contains("global_error_reason") ? 1 : 0;
  });
}

}  // namespace evalrun::submissions
