#pragma once
// Internal: MERA's ruTiE context former (benchmark_tasks/custom_context_formers.py, rutie/utils.py at
// MERA v1.2.0): each question's context holds the earlier questions of its dialogue, with the answers
// left as RUTIE_TARGET_<question_id> placeholders that the model's own answers later replace.
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "tasks/rules.h"

namespace evalrun::tasks {

// MERA's process_docs: documents sorted by (int(meta.dialog_id), int(meta.question_id)), stable.
void rutie_sort(std::vector<nlohmann::json>& docs, const std::string& task, const std::string& split);

// The shots of a document: pool[dialog_id * 500, dialog_id * 500 + question_id) (MERA's slice, clamped
// as Python slicing is).
std::vector<size_t> rutie_shot_indices(size_t pool_size, const nlohmann::json& doc, const DocRef& ref);

struct RutieContext {
  std::string labeled;  // plain text / single chat turn: the shots block (get_context)
  std::vector<std::pair<std::string, std::string>> turns;  // multi-turn: (user, assistant) pairs
  nlohmann::json doc;   // the document with its instruction rewritten (the question is rendered from it)
};

// Every pool document rendered once as an earlier question (with / without its RUTIE_TARGET answer):
// prompts then only concatenate (a dialogue's prompts are quadratic in its length).
struct RutieShotTexts {
  std::vector<std::string> with_target, without_target;
};
RutieShotTexts rutie_shot_texts(const TaskRules& rules, const std::vector<nlohmann::json>& pool,
                                const std::string& task, const std::string& split);

RutieContext rutie_context(const std::string& fewshot_delimiter, const std::vector<nlohmann::json>& pool,
                           const RutieShotTexts& texts, const DocRef& ref, bool multiturn);

// MERA's replace_targets: RUTIE_TARGET_<i> -> answers[i] for i = question_id-1 .. 0 (descending).
std::string rutie_fill(std::string text, size_t question_id, const std::vector<std::string>& answers);
// question_id of a document (UserError naming the document when missing or not an integer).
size_t rutie_question_id(const DocRef& ref);

}  // namespace evalrun::tasks
