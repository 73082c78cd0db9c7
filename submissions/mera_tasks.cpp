#include "submissions/mera.h"

namespace evalrun::submissions {

const std::vector<MeraTask>& mera_tasks() {
  // Leaderboard order; choices as log_to_submission.py maps LL argmax indices to answers; use_in_total
  // and shots from modules/scoring/configs and MERA's run scripts.
  static const std::vector<std::string> k01 = {"0", "1"}, k12 = {"1", "2"}, kAbcd = {"A", "B", "C", "D"};
  static const std::vector<MeraTask> tasks = {
      {"BPS", "bps", PackKind::kClassification, k01, false, 1},
      {"CheGeKa", "chegeka", PackKind::kText, {}, true, 1},
      {"LCS", "lcs", PackKind::kClassification, {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}, true, 1},
      {"MathLogicQA", "mathlogicqa", PackKind::kClassification, kAbcd, true, 1},
      {"MultiQ", "multiq", PackKind::kText, {}, true, 0},
      {"PARus", "parus", PackKind::kClassification, k12, true, 1},
      {"RCB", "rcb", PackKind::kClassification, {"1", "2", "3"}, true, 1},
      {"ruDetox", "rudetox", PackKind::kText, {}, false, 1},
      {"ruEthics", "ruethics", PackKind::kEthics, k01, false, 0},
      {"ruHateSpeech", "ruhatespeech", PackKind::kClassification, k12, false, 1},
      {"ruHHH", "ruhhh", PackKind::kClassification, k12, false, 0},
      {"ruMMLU", "rummlu", PackKind::kClassification, kAbcd, false, 1},
      {"MaMuRAMu", "mamuramu", PackKind::kClassification, kAbcd, true, 1},
      {"ruModAr", "rumodar", PackKind::kText, {}, true, 0},
      {"ruMultiAr", "rumultiar", PackKind::kText, {}, true, 1},
      {"SimpleAr", "simplear", PackKind::kText, {}, false, 2},
      {"ruOpenBookQA", "ruopenbookqa", PackKind::kClassification, kAbcd, true, 1},
      {"ruWorldTree", "ruworldtree", PackKind::kClassification, kAbcd, true, 1},
      {"RWSD", "rwsd", PackKind::kClassification, {"Да", "Нет"}, true, 1},
      {"USE", "use", PackKind::kUse, {}, true, 1},
      {"ruTiE", "rutie", PackKind::kTie, k12, true, 1},
      {"ruHumanEval", "ruhumaneval", PackKind::kCode, {}, false, 0},
      {"ruCodeEval", "rucodeeval", PackKind::kCode, {}, true, 0},
  };
  return tasks;
}

const MeraTask* find_mera_task(const std::string& name) {
  for (const auto& t : mera_tasks())
    if (t.cls == name || t.src == name) return &t;
  return nullptr;
}

}  // namespace evalrun::submissions
