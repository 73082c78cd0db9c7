#pragma once
// Sequential dialogues (MERA ruTiE, sampler `rutie`): each question's prompt holds the earlier questions
// of its dialogue answered with the model's OWN earlier answers. Round r builds and answers question r of
// every dialogue (dialogues run in parallel, questions strictly in order).
#include <functional>
#include <string>
#include <vector>

#include "evaluator/requests.h"
#include "tasks/task.h"

namespace evalrun::evaluator {

bool is_sequential_dialogue(const tasks::TaskConfig& config);

// The answer MERA's request updater stores for an answered question: LL: the choice with the highest
// log-likelihood ("1"/"2"); generative: the first standalone digit of the stripped completion
// (regex \b([0-9])\b), else "-1".
std::string dialogue_answer(const DocWork& work, const RequestTable& table);
// Python re.search(r"\b([0-9])\b", text) group 0 with Unicode word boundaries; "-1" when absent.
std::string first_standalone_digit(const std::string& text);

// Builds the instances of `doc_ids` round by round; `answer_round` must answer every unanswered
// request of `table` (the scheduler). Returns the DocWork of every id, in the order of `doc_ids`.
std::vector<DocWork> run_dialogues(const tasks::Task& task, const std::vector<size_t>& doc_ids,
                                   const tasks::PromptOptions& prompt_options, const BuildOptions& build,
                                   RequestTable& table, const std::function<void()>& answer_round);

}  // namespace evalrun::evaluator
