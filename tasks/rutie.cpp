// MERA's ruTiE dialogue context (see tasks/rutie.h).
#include "tasks/rutie.h"

#include <algorithm>

#include "common/errors.h"
#include "tasks/util.h"

namespace evalrun::tasks {

using nlohmann::json;

namespace {

constexpr size_t kDialogStride = 500;  // MERA's former assumes 500 questions per dialogue
const std::string kContextTag = "{context}";

long long meta_int(const json& doc, const char* path, const DocRef* ref) {
  const json* v = find_path(doc, path);
  if (v && v->is_number_integer()) return v->get<long long>();
  if (v && v->is_string()) {
    try {
      size_t used = 0;
      const long long x = std::stoll(v->get<std::string>(), &used);
      if (used == v->get_ref<const std::string&>().size()) return x;
    } catch (const std::exception&) {
    }
  }
  const std::string who = ref ? ref->describe() : std::string("ruTiE document");
  throw UserError(who + ": field '" + path + "' must be an integer (ruTiE orders dialogues by it)");
}

}  // namespace

void rutie_sort(std::vector<json>& docs, const std::string& task, const std::string& split) {
  std::vector<std::pair<std::pair<long long, long long>, size_t>> keys;
  keys.reserve(docs.size());
  for (size_t i = 0; i < docs.size(); ++i) {
    const DocRef ref{task, split, i, docs[i]};
    keys.push_back({{meta_int(docs[i], "meta.dialog_id", &ref), meta_int(docs[i], "meta.question_id", &ref)}, i});
  }
  std::stable_sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<json> out;
  out.reserve(docs.size());
  for (const auto& k : keys) out.push_back(std::move(docs[k.second]));
  docs = std::move(out);
}

size_t rutie_question_id(const DocRef& ref) {
  const long long q = meta_int(ref.doc, "meta.question_id", &ref);
  if (q < 0) throw UserError(ref.describe() + ": field 'meta.question_id' must be >= 0");
  return size_t(q);
}

std::vector<size_t> rutie_shot_indices(size_t pool_size, const json& doc, const DocRef& ref) {
  const long long dialog = meta_int(doc, "meta.dialog_id", &ref);
  if (dialog < 0) throw UserError(ref.describe() + ": field 'meta.dialog_id' must be >= 0");
  const size_t start = std::min(pool_size, size_t(dialog) * kDialogStride);
  const size_t end = std::min(pool_size, size_t(dialog) * kDialogStride + rutie_question_id(ref));
  std::vector<size_t> out;
  for (size_t i = start; i < end; ++i) out.push_back(i);
  return out;
}

RutieShotTexts rutie_shot_texts(const TaskRules& rules, const std::vector<json>& pool, const std::string& task,
                                const std::string& split) {
  RutieShotTexts out;
  const TextRule& with = rules.fewshot_no_instruction.set() ? rules.fewshot_no_instruction : rules.doc_to_text;
  const TextRule& without = rules.fewshot_no_target.set() ? rules.fewshot_no_target : rules.doc_to_text;
  out.with_target.reserve(pool.size());
  out.without_target.reserve(pool.size());
  for (size_t i = 0; i < pool.size(); ++i) {
    const DocRef ref{task, split, i, pool[i]};
    out.with_target.push_back(render_rule(with, ref));
    out.without_target.push_back(render_rule(without, ref));
  }
  return out;
}

RutieContext rutie_context(const std::string& delim, const std::vector<json>& pool, const RutieShotTexts& texts,
                           const DocRef& ref, bool multiturn) {
  RutieContext out;
  out.doc = ref.doc;
  const json* instr = find_path(ref.doc, "instruction");
  if (!instr || !instr->is_string()) throw UserError(ref.describe() + ": field 'instruction' is missing or not a string");
  const std::string& instruction = instr->get_ref<const std::string&>();
  const size_t question_id = rutie_question_id(ref);
  const std::vector<size_t> shots = rutie_shot_indices(pool.size(), ref.doc, ref);

  // Python's `first, second = s.split("{context}")`: exactly one tag, else a ValueError in MERA.
  auto split_instruction = [&]() -> std::pair<std::string, std::string> {
    const size_t pos = instruction.find(kContextTag);
    if (pos == std::string::npos || instruction.find(kContextTag, pos + 1) != std::string::npos) {
      throw UserError(ref.describe() + ": field 'instruction' must contain '{context}' exactly once (ruTiE)");
    }
    return {instruction.substr(0, pos), instruction.substr(pos + kContextTag.size())};
  };

  if (multiturn) {
    // get_chat_context with fewshot_as_multiturn: only questions after the first are rewritten.
    if (question_id == 0) return out;
    auto [first, second] = split_instruction();
    out.doc["instruction"] = second;
    for (size_t j = 0; j < shots.size(); ++j) {
      const json& sdoc = pool[shots[j]];
      std::string text = texts.without_target[shots[j]];
      if (j == 0) text = first + text;
      // MERA's doc_to_target renders the placeholder of the shot's own question.
      const json* q = find_path(sdoc, "meta.question_id");
      out.turns.emplace_back(std::move(text), "RUTIE_TARGET_" + (q ? templates::python_str(*q) : std::string()));
    }
    return out;
  }

  // get_context: the shots joined by the delimiter (the first prefixed by the instruction's head), then
  // one more delimiter; the document keeps only the instruction's tail.
  if (shots.empty()) {
    std::string rest = instruction;
    for (size_t p = rest.find(kContextTag); p != std::string::npos; p = rest.find(kContextTag, p))
      rest.erase(p, kContextTag.size());
    out.doc["instruction"] = rest;
  } else {
    auto [first, second] = split_instruction();
    size_t size = first.size();
    for (size_t j : shots) size += texts.with_target[j].size() + delim.size();
    out.labeled.reserve(size + delim.size());
    out.labeled += first;
    for (size_t j = 0; j < shots.size(); ++j) {
      if (j) out.labeled += delim;
      out.labeled += texts.with_target[shots[j]];
    }
    out.doc["instruction"] = second;
  }
  out.labeled += delim;
  return out;
}

std::string rutie_fill(std::string text, size_t question_id, const std::vector<std::string>& answers) {
  // One left-to-right pass equal to MERA's descending str.replace loop: at each tag, the largest index
  // i < question_id whose digits prefix the tag's digits wins (larger i are replaced first in MERA).
  static const std::string kTag = "RUTIE_TARGET_";
  if (question_id == 0) return text;
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  for (size_t p = text.find(kTag); p != std::string::npos; p = text.find(kTag, pos)) {
    out.append(text, pos, p - pos);
    const size_t digits = p + kTag.size();
    size_t best_len = 0, best = 0, value = 0;
    for (size_t e = digits; e < text.size() && text[e] >= '0' && text[e] <= '9'; ++e) {
      if (e > digits && text[digits] == '0') break;  // std::to_string never writes a leading zero
      value = value * 10 + size_t(text[e] - '0');
      if (value >= question_id) break;
      best_len = e + 1 - digits;
      best = value;
    }
    if (best_len == 0) {
      out.append(kTag);
      pos = digits;
    } else {
      out.append(answers[best]);
      pos = digits + best_len;
    }
  }
  out.append(text, pos, std::string::npos);
  return out;
}

}  // namespace evalrun::tasks
