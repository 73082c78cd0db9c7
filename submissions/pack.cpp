// One task's submission JSON from evalrun sample records, with log_to_submission.py's per-task shapes.
#include <map>

#include "common/errors.h"
#include "submissions/code_results.h"
#include "submissions/mera.h"

namespace evalrun::submissions {
namespace {

using nlohmann::json;

std::string where(const MeraTask& task, const json& rec) {
  return "samples of " + task.src + ", doc_id " + (rec.contains("doc_id") ? rec["doc_id"].dump() : "?");
}

const json& meta_of(const MeraTask& task, const json& rec) {
  if (!rec.contains("doc") || !rec["doc"].is_object() || !rec["doc"].contains("meta") ||
      !rec["doc"]["meta"].is_object())
    throw UserError(where(task, rec) + ": the document has no 'meta' object (not a MERA document)");
  return rec["doc"]["meta"];
}

// Python int(x) of meta.id: an integer, or a string holding one.
json int_id(const MeraTask& task, const json& rec, const json& value, const std::string& field) {
  if (value.is_number_integer()) return value;
  if (value.is_number_float()) return static_cast<long long>(value.get<double>());
  if (value.is_string()) {
    try {
      size_t used = 0;
      const long long v = std::stoll(value.get<std::string>(), &used);
      if (used == value.get<std::string>().size()) return v;
    } catch (const std::exception&) {
    }
  }
  throw UserError(where(task, rec) + ": meta." + field + " " + value.dump() + " is not an integer");
}

const json& filtered(const MeraTask& task, const json& rec) {
  if (!rec.contains("filtered_resps"))
    throw UserError(where(task, rec) + ": no 'filtered_resps' field (samples written by another tool?)");
  return rec["filtered_resps"];
}

// LL: index of the largest log-probability (numpy argmax: the first maximum) mapped to the answer.
std::string argmax_answer(const MeraTask& task, const json& rec) {
  const json& resps = filtered(task, rec);
  if (!resps.is_array() || resps.empty())
    throw UserError(where(task, rec) + ": filtered_resps is not a list of [logprob, is_greedy] (a generative "
                    "run? pass --gen)");
  size_t best = 0;
  double best_lp = 0;
  for (size_t i = 0; i < resps.size(); ++i) {
    const json& r = resps[i];
    const json& lp = r.is_array() && !r.empty() ? r[0] : r;
    if (!lp.is_number())
      throw UserError(where(task, rec) + ": filtered_resps[" + std::to_string(i) +
                      "] is not [logprob, is_greedy] (a generative run? pass --gen)");
    if (i == 0 || lp.get<double>() > best_lp) best = i, best_lp = lp.get<double>();
  }
  if (best >= task.choices.size())
    throw UserError(where(task, rec) + ": " + std::to_string(resps.size()) + " choices scored, MERA's " + task.cls +
                    " has " + std::to_string(task.choices.size()));
  return task.choices[best];
}

// Generative: the filtered answer (lm-eval logs hold [answer]; evalrun logs the string itself).
std::string text_answer(const MeraTask& task, const json& rec) {
  const json& r = filtered(task, rec);
  const json& first = r.is_array() && !r.empty() ? r[0] : r;
  if (!first.is_string())
    throw UserError(where(task, rec) + ": filtered_resps is not a generated text (" + r.dump().substr(0, 60) +
                    "); for a log-likelihood run leave out --gen");
  return first.get<std::string>();
}

std::string answer(const MeraTask& task, const json& rec, bool gen) {
  return gen ? text_answer(task, rec) : argmax_answer(task, rec);
}

std::string tie_key(const json& dialog, const json& question) {
  auto text = [](const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); };
  return "dialog_id:" + text(dialog) + ";question_id:" + text(question);
}

}  // namespace

json pack_task(const MeraTask& task, const std::vector<json>& records, bool gen, const std::vector<json>& expected_tie) {
  json items = json::array();
  if (task.kind == PackKind::kTie) {
    std::map<std::string, std::string> by_question;
    for (const auto& rec : records) {
      const json& meta = meta_of(task, rec);
      if (!meta.contains("dialog_id") || !meta.contains("question_id"))
        throw UserError(where(task, rec) + ": ruTiE document without meta.dialog_id / meta.question_id");
      // Python's f"dialog_id:{x}" prints 1 and "1" alike; so does tie_key.
      by_question[tie_key(meta["dialog_id"], meta["question_id"])] = answer(task, rec, gen);
    }
    // MERA walks the dataset as one dialogue and stops at the first question the model did not answer:
    // every later prompt would have needed that answer.
    const std::vector<json>& order = expected_tie.empty() ? records : expected_tie;
    for (const auto& entry : order) {
      const json& doc = expected_tie.empty() ? entry["doc"] : entry;
      const json& meta = doc["meta"];
      const auto it = by_question.find(tie_key(meta["dialog_id"], meta["question_id"]));
      if (it == by_question.end()) break;
      items.push_back({{"outputs", it->second},
                       {"meta", {{"dialog_id", meta["dialog_id"]}, {"question_id", meta["question_id"]}}}});
    }
    return {{"data", {{"test", items}}}};
  }

  std::vector<json> code;
  if (task.kind == PackKind::kCode) code = code_results(task, records);
  for (size_t i = 0; i < records.size(); ++i) {
    const json& rec = records[i];
    const json& meta = meta_of(task, rec);
    if (!meta.contains("id")) throw UserError(where(task, rec) + ": the document has no meta.id");
    json item;
    const json id = int_id(task, rec, meta["id"], "id");
    switch (task.kind) {
      case PackKind::kClassification:
        item = {{"outputs", answer(task, rec, gen)}, {"meta", {{"id", id}}}};
        break;
      case PackKind::kText:
        item = {{"outputs", text_answer(task, rec)}, {"meta", {{"id", id}}}};
        break;
      case PackKind::kEthics: {
        const std::string out = answer(task, rec, gen);
        item = {{"outputs",
                 {{"virtue", out}, {"law", out}, {"moral", out}, {"justice", out}, {"utilitarianism", out}}},
                {"meta", {{"id", id}}}};
        break;
      }
      case PackKind::kUse:
        if (!meta.contains("id_task") || !meta.contains("variant"))
          throw UserError(where(task, rec) + ": USE document without meta.id_task / meta.variant");
        item = {{"outputs", text_answer(task, rec)},
                {"meta", {{"id", id}, {"id_task", meta["id_task"]}, {"variant", meta["variant"]}}}};
        break;
      case PackKind::kCode:
        // MERA's scoring filter output: one request -> [per generation: [per test: str(result) | null]].
        item = {{"outputs", json::array({code[i]})}, {"meta", {{"id", id}}}};
        break;
      case PackKind::kTie:
        break;
    }
    items.push_back(std::move(item));
  }
  return {{"data", {{"test", items}}}};
}

}  // namespace evalrun::submissions
