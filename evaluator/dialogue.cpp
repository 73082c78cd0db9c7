#include "evaluator/dialogue.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <map>

#include "common/errors.h"
#include "metrics/accuracy.h"

namespace evalrun::evaluator {
namespace {

// Python's \w for str patterns: letters, numbers (Nd, Nl, No) and "_".
bool word_char(UChar32 c) {
  if (c == '_') return true;
  const int8_t t = u_charType(c);
  return t == U_UPPERCASE_LETTER || t == U_LOWERCASE_LETTER || t == U_TITLECASE_LETTER || t == U_MODIFIER_LETTER ||
         t == U_OTHER_LETTER || t == U_DECIMAL_DIGIT_NUMBER || t == U_LETTER_NUMBER || t == U_OTHER_NUMBER;
}

// Python str.strip(): Unicode whitespace (ASCII is enough for the ends of a completion, plus NBSP etc.).
std::string py_strip(const std::string& s) {
  auto is_space = [](UChar32 c) { return u_isUWhiteSpace(c) || (c >= 0x1c && c <= 0x1f); };
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const auto n = static_cast<int32_t>(s.size());
  int32_t b = 0;
  while (b < n) {
    int32_t i = b;
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0 || !is_space(c)) break;
    b = i;
  }
  int32_t e = n;
  while (e > b) {
    int32_t i = e;
    UChar32 c;
    U8_PREV(p, 0, i, c);
    if (c < 0 || !is_space(c)) break;
    e = i;
  }
  return s.substr(static_cast<size_t>(b), static_cast<size_t>(e - b));
}

size_t question_id(const nlohmann::json& doc, const std::string& task, size_t doc_id) {
  auto bad = [&] {
    return UserError("task '" + task + "': document " + std::to_string(doc_id) +
                     ": meta.dialog_id / meta.question_id missing or not an integer");
  };
  if (!doc.contains("meta") || !doc["meta"].contains("question_id")) throw bad();
  const auto& q = doc["meta"]["question_id"];
  if (q.is_number_unsigned() || (q.is_number_integer() && q.get<long>() >= 0)) return q.get<size_t>();
  if (q.is_string()) {
    try {
      return std::stoul(q.get<std::string>());
    } catch (const std::exception&) {
    }
  }
  throw bad();
}

std::string dialog_key(const nlohmann::json& doc) {
  const auto& d = doc.at("meta").value("dialog_id", nlohmann::json());
  return d.is_string() ? d.get<std::string>() : d.dump();
}

}  // namespace

bool is_sequential_dialogue(const tasks::TaskConfig& config) { return config.fewshot.sampler == "rutie"; }

std::string first_standalone_digit(const std::string& text) {
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const auto n = static_cast<int32_t>(text.size());
  UChar32 prev = -1;
  int32_t i = 0;
  while (i < n) {
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c >= '0' && c <= '9' && (prev < 0 || !word_char(prev))) {
      int32_t j = i;
      UChar32 next = -1;
      if (j < n) U8_NEXT(p, j, n, next);
      if (next < 0 || !word_char(next)) return std::string(1, static_cast<char>(c));
    }
    prev = c;
  }
  return "-1";
}

std::string dialogue_answer(const DocWork& work, const RequestTable& table) {
  const nlohmann::json& response = table.requests().at(work.requests.at(0)).response;
  if (!work.instance.choices.empty()) {
    std::vector<double> lls;
    for (const auto& s : response) lls.push_back(s.at(0).get<double>());
    return work.instance.choices.at(metrics::np_argmax(lls));
  }
  const std::string first = response.empty() ? std::string() : response.at(0).get<std::string>();
  return first_standalone_digit(py_strip(first));
}

std::vector<DocWork> run_dialogues(const tasks::Task& task, const std::vector<size_t>& doc_ids,
                                   const tasks::PromptOptions& prompt_options, const BuildOptions& build,
                                   RequestTable& table, const std::function<void()>& answer_round) {
  const auto& docs = task.eval_docs();
  const std::string& name = task.config().task;
  // Dialogue -> its selected documents (position in doc_ids), in question order (documents are sorted).
  std::map<std::string, std::vector<size_t>> dialogues;
  std::vector<std::string> order;
  for (size_t k = 0; k < doc_ids.size(); ++k) {
    const std::string key = dialog_key(docs.at(doc_ids[k]));
    if (!dialogues.count(key)) order.push_back(key);
    dialogues[key].push_back(k);
  }
  std::vector<DocWork> out(doc_ids.size());
  std::map<std::string, std::vector<std::string>> answers;  // dialogue -> answers by question_id
  for (size_t round = 0;; ++round) {
    std::vector<size_t> built;
    for (const auto& key : order) {
      const auto& members = dialogues[key];
      if (round >= members.size()) continue;
      const size_t k = members[round];
      const size_t id = doc_ids[k];
      const size_t q = question_id(docs.at(id), name, id);
      auto& given = answers[key];
      if (given.size() < q)
        throw UserError("task '" + name + "': document " + std::to_string(id) + " (question " + std::to_string(q) +
                        ") needs the model's answers to the earlier questions of its dialogue, which this run "
                        "does not evaluate (--limit/--shard/--sample-seed must keep whole dialogue prefixes)");
      tasks::PromptOptions options = prompt_options;
      options.dialogue_answers.assign(given.begin(), given.begin() + static_cast<long>(q));
      out[k] = add_instance(task.config(), task.build(id, options), build, table);
      built.push_back(k);
    }
    if (built.empty()) break;
    answer_round();
    for (size_t k : built) {
      const std::string key = dialog_key(docs.at(doc_ids[k]));
      const size_t q = question_id(docs.at(doc_ids[k]), name, doc_ids[k]);
      auto& given = answers[key];
      if (given.size() <= q) given.resize(q + 1);
      given[q] = dialogue_answer(out[k], table);
    }
  }
  return out;
}

}  // namespace evalrun::evaluator
