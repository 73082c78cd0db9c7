// A task defined by a YAML config: documents, few-shot selection and prompt/request construction.
#include <map>
#include <tuple>
#include <mutex>
#include <unordered_map>

#include "common/errors.h"
#include "tasks/python_random.h"
#include "tasks/rules.h"
#include "tasks/rutie.h"
#include "tasks/util.h"

namespace evalrun::tasks {

using nlohmann::json;
namespace fs = std::filesystem;

std::string to_string(OutputType type) {
  switch (type) {
    case OutputType::kMultipleChoice: return "multiple_choice";
    case OutputType::kLoglikelihood: return "loglikelihood";
    case OutputType::kLoglikelihoodRolling: return "loglikelihood_rolling";
    case OutputType::kGenerateUntil: return "generate_until";
  }
  return "?";
}

namespace {

bool truthy(const json* v) {
  if (!v || v->is_null()) return false;
  if (v->is_boolean()) return v->get<bool>();
  if (v->is_number()) return v->get<double>() != 0;
  if (v->is_string() || v->is_array() || v->is_object()) return !v->empty();
  return true;
}

// Parses a Python list literal of strings/numbers (doc_to_choice templates render one).
json parse_python_list(const std::string& s, const std::string& where) {
  try {
    json j = json::parse(s);
    if (j.is_array()) return j;
  } catch (const json::parse_error&) {
  }
  json out = json::array();
  size_t i = 0;
  auto skip = [&] {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  };
  skip();
  if (i >= s.size() || s[i] != '[') throw UserError(where + ": doc_to_choice rendered '" + s + "', not a list");
  ++i;
  for (;;) {
    skip();
    if (i < s.size() && s[i] == ']') break;
    if (i < s.size() && (s[i] == '\'' || s[i] == '"')) {
      const char q = s[i++];
      std::string item;
      while (i < s.size() && s[i] != q) {
        if (s[i] == '\\' && i + 1 < s.size()) {
          const char e = s[++i];
          item += e == 'n' ? '\n' : e == 't' ? '\t' : e;
        } else {
          item += s[i];
        }
        ++i;
      }
      ++i;
      out.push_back(item);
    } else {
      const size_t end = s.find_first_of(",]", i);
      if (end == std::string::npos) throw UserError(where + ": doc_to_choice rendered '" + s + "', not a list");
      std::string item = s.substr(i, end - i);
      while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) item.pop_back();
      out.push_back(item);
      i = end;
    }
    skip();
    if (i < s.size() && s[i] == ',') ++i;
    else if (i < s.size() && s[i] == ']') break;
    else throw UserError(where + ": doc_to_choice rendered '" + s + "', not a list");
  }
  return out;
}

class ConfigTask final : public Task {
 public:
  ConfigTask(TaskConfig config, std::optional<fs::path> data_dir)
      : config_(std::move(config)), rules_(*config_.rules), data_dir_(std::move(data_dir)) {}

  const TaskConfig& config() const override { return config_; }

  std::string eval_split() const override {
    return config_.test_split.empty() ? config_.validation_split : config_.test_split;
  }

  const std::vector<json>& eval_docs() const override {
    std::call_once(eval_once_, [this] {
      eval_docs_ = load_split(config_, eval_split(), data_dir_);
      if (rutie()) rutie_sort(eval_docs_, config_.task, eval_split());
      if (eval_docs_.empty()) {
        throw UserError(config_.source_file.string() + ": task '" + config_.task + "': split '" + eval_split() +
                        "' has no documents");
      }
    });
    return eval_docs_;
  }

  const std::vector<json>& fewshot_docs() const override {
    std::call_once(pool_once_, [this] {
      const std::string split = pool_split();
      if (split == eval_split()) {
        pool_ = &eval_docs();
      } else {
        pool_docs_ = load_split(config_, split, data_dir_);
        if (rutie()) rutie_sort(pool_docs_, config_.task, split);
        pool_ = &pool_docs_;
      }
    });
    return *pool_;
  }

  std::vector<size_t> fewshot_indices(size_t doc_id, const PromptOptions& options) const override {
    const int k = shots(options);
    if (k == 0) return {};
    if (rutie()) {
      const auto& doc = eval_docs().at(doc_id);
      return rutie_shot_indices(fewshot_docs().size(), doc, DocRef{config_.task, eval_split(), doc_id, doc});
    }
    return selections(k, options.seed, double_draw(options))->at(doc_id);
  }

  Instance build(size_t doc_id, const PromptOptions& options) const override;

  std::vector<std::string> apply_filter(const FilterPipelineSpec& pipeline, const std::vector<std::string>& responses,
                                        const json& doc) const override {
    auto it = rules_.filters.find(pipeline.name);
    if (it != rules_.filters.end()) return it->second->apply(responses, doc);
    return FilterPipeline::compile(pipeline, config_.source_file.string())->apply(responses, doc);
  }

  void validate(const PromptOptions& options) const override {
    const auto& docs = eval_docs();
    for (size_t i = 0; i < docs.size(); ++i) build(i, options);
  }

 private:
  using Selections = std::vector<std::vector<size_t>>;

  bool rutie() const { return config_.fewshot.sampler == "rutie"; }
  int shots(const PromptOptions& o) const { return o.num_fewshot.value_or(config_.num_fewshot); }

  // lm-eval's get_chat_context draws shots and then, without multi-turn, calls get_context, which draws
  // again: chat prompts use every document's second draw. Reproduced for exact shots.
  static bool double_draw(const PromptOptions& o) { return o.chat && !o.fewshot_as_multiturn; }

  // lm-eval: fewshot_split, else training, else validation, else test documents.
  std::string pool_split() const {
    if (!config_.fewshot.split.empty()) return config_.fewshot.split;
    if (!config_.training_split.empty()) return config_.training_split;
    if (!config_.validation_split.empty()) return config_.validation_split;
    return config_.test_split;
  }

  const std::string& split_name_eval() const { return eval_split_name_; }

  static std::string group_key(const json* v) {
    std::string key;
    if (!v) return key;
    key.push_back(v->is_string() ? 's' : 'j');
    key.append(v->is_string() ? v->get_ref<const std::string&>() : v->dump());
    return key;
  }

  // Indices of pool documents whose value at `path` equals `value` (in pool order); cached per path.
  const std::vector<size_t>& group(const std::string& path, const json& value) const {
    auto& by_value = groups_[path];
    if (by_value.empty()) {
      const auto& pool = fewshot_docs();
      for (size_t i = 0; i < pool.size(); ++i) {
        const json* v = find_path(pool[i], path);
        by_value[group_key(v)].push_back(i);
      }
      by_value["\x01built"];
    }
    static const std::vector<size_t> kEmpty;
    auto it = by_value.find(group_key(&value));
    return it == by_value.end() ? kEmpty : it->second;
  }

  // Few-shot choices for every eval document: the sampler runs once per document in dataset order
  // (as lm-eval/MERA do), so a document's shots never depend on which documents are evaluated.
  std::shared_ptr<const Selections> selections(int k, uint64_t seed, bool twice) const {
    std::lock_guard lock(selection_mutex_);
    auto key = std::make_tuple(k, seed, twice);
    if (auto it = selection_cache_.find(key); it != selection_cache_.end()) return it->second;
    const auto& docs = eval_docs();
    const auto& pool = fewshot_docs();
    auto out = std::make_shared<Selections>(docs.size());
    PythonRandom rnd(static_cast<int64_t>(seed));
    // lm-eval draws one more when the configured few-shot split is the test split (not when the pool
    // merely falls back to it, as for MERA's ruHateSpeech).
    const bool extra = !config_.fewshot.split.empty() && config_.fewshot.split == config_.test_split;
    const size_t n = size_t(k) + (extra ? 1 : 0);
    std::vector<size_t> all(pool.size());
    for (size_t i = 0; i < pool.size(); ++i) all[i] = i;
    const std::string& sampler = config_.fewshot.sampler;
    for (size_t d = 0; d < docs.size(); ++d) {
      const json& doc = docs[d];
      const std::vector<size_t>* candidates = &all;
      const char* restricted_by = nullptr;  // for the error message only
      bool first_n = sampler == "first_n";
      if (sampler == "same_field") {
        const json* v = find_path(doc, config_.fewshot.same_field);
        candidates = &group(config_.fewshot.same_field, v ? *v : json());
        restricted_by = config_.fewshot.same_field.c_str();
      } else if (sampler == "mera") {
        // MERA's FewshotSampler: same meta.domain (ruMMLU), else same meta.id_task (USE); RuTiE keeps order.
        if (const json* v = find_path(doc, "meta.domain"); truthy(v)) {
          candidates = &group("meta.domain", *v);
          restricted_by = "meta.domain";
        } else if (const json* t = find_path(doc, "meta.id_task"); truthy(t)) {
          candidates = &group("meta.id_task", *t);
          restricted_by = "meta.id_task";
        }
        first_n = truthy(find_path(doc, "meta.question_id"));
      }
      if (n > candidates->size()) {
        std::string restriction;
        if (restricted_by) {
          const json* v = find_path(doc, restricted_by);
          restriction = std::string(" with the same ") + restricted_by + " (" + (v ? v->dump() : "null") + ")";
        }
        throw UserError(DocRef{config_.task, split_name_eval(), d, doc}.describe() + ": needs " + std::to_string(n) +
                        " few-shot documents but the '" + pool_split() + "' pool has " +
                        std::to_string(candidates->size()) + restriction);
      }
      std::vector<size_t> drawn;
      if (first_n) {
        drawn.assign(candidates->begin(), candidates->begin() + long(n));
      } else {
        if (twice) rnd.sample(candidates->size(), n);
        for (size_t j : rnd.sample(candidates->size(), n)) drawn.push_back((*candidates)[j]);
      }
      // Drop the document itself (Python compares documents by value), keep k.
      auto& sel = (*out)[d];
      for (size_t j : drawn) {
        if (sel.size() == size_t(k)) break;
        if (pool[j] != doc) sel.push_back(j);
      }
    }
    selection_cache_[key] = out;
    return out;
  }

  // The gold / shot answer of a document (doc_to_target), with lm-eval's conversions.
  json target_value(const TextRule& rule, const DocRef& ref) const {
    json t = render_rule_value(rule, ref);
    if (rule.kind == TextRule::Kind::kJinja && t.is_string() && rules_.doc_to_choice.set()) {
      const std::string& s = t.get_ref<const std::string&>();
      if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos) return std::stoi(s);
    }
    return t;
  }

  std::string target_text(const json& t, const json& choices) const {
    if (t.is_array()) return t.empty() ? "" : templates::python_str(t[0]);
    if (t.is_number_integer() && choices.is_array()) {
      const long long i = t.get<long long>();
      if (i >= 0 && i < static_cast<long long>(choices.size())) return choices[size_t(i)].get<std::string>();
    }
    return t.is_string() ? t.get<std::string>() : templates::python_str(t);
  }

  json choices_of(const DocRef& ref) const {
    const TextRule& rule = rules_.doc_to_choice;
    if (!rule.set()) return json();
    json c = render_rule_value(rule, ref);
    if (rule.kind == TextRule::Kind::kJinja && c.is_string()) c = parse_python_list(c.get<std::string>(), ref.describe());
    if (c.is_object()) {
      json values = json::array();
      for (auto& v : c) values.push_back(v);
      c = values;
    }
    if (!c.is_array()) throw UserError(ref.describe() + ": doc_to_choice is not a list (" + rule.origin + ")");
    for (auto& item : c)
      if (!item.is_string()) item = templates::python_str(item);
    return c;
  }

  // The distinct instruction templates (MERA prompt pool), numbered by first appearance.
  std::string instruction_id(const json& doc) const {
    std::call_once(instr_once_, [this] {
      auto add = [this](const std::vector<json>& docs) {
        for (const json& d : docs) {
          const json* v = find_path(d, instruction_field_);
          if (v && v->is_string()) instruction_ids_.emplace(v->get<std::string>(), instruction_ids_.size());
        }
      };
      add(eval_docs());
      try {
        add(fewshot_docs());
      } catch (const UserError&) {
        // no few-shot split on disk: only zero-shot prompts need ids
      }
    });
    const json* v = find_path(doc, instruction_field_);
    if (!v || !v->is_string()) return "";
    auto it = instruction_ids_.find(v->get<std::string>());
    return it == instruction_ids_.end() ? "" : std::to_string(it->second);
  }

  TaskConfig config_;
  const TaskRules& rules_;
  std::optional<fs::path> data_dir_;
  std::string eval_split_name_ = config_.test_split.empty() ? config_.validation_split : config_.test_split;
  std::string instruction_field_ =
      rules_.doc_to_text.kind == TextRule::Kind::kFormat ? rules_.doc_to_text.format->template_field : "";
  mutable std::once_flag eval_once_, pool_once_, instr_once_;
  mutable std::vector<json> eval_docs_, pool_docs_;
  mutable const std::vector<json>* pool_ = nullptr;
  mutable std::mutex selection_mutex_;
  mutable std::map<std::tuple<int, uint64_t, bool>, std::shared_ptr<const Selections>> selection_cache_;
  mutable std::map<std::string, std::unordered_map<std::string, std::vector<size_t>>> groups_;
  mutable std::unordered_map<std::string, size_t> instruction_ids_;
  mutable std::once_flag rutie_once_;
  mutable RutieShotTexts rutie_texts_;  // ruTiE: pool documents rendered once as earlier questions
};

Instance ConfigTask::build(size_t doc_id, const PromptOptions& options) const {
  const auto& docs = eval_docs();
  if (doc_id >= docs.size()) {
    throw UserError("task '" + config_.task + "': document " + std::to_string(doc_id) + " out of range (" +
                    std::to_string(docs.size()) + " documents)");
  }
  const std::string& split = eval_split_name_;
  const json& doc = docs[doc_id];
  const DocRef ref{config_.task, split, doc_id, doc};
  Instance inst;
  inst.doc_id = doc_id;

  // Prompt for the test document: the YAML prompt pool spreads templates round-robin over documents.
  const TextRule* prompt = &rules_.doc_to_text;
  if (!rules_.prompts.empty()) {
    const size_t p = doc_id % rules_.prompts.size();
    prompt = &rules_.prompts[p];
    inst.prompt_id = std::to_string(p);
  } else if (!instruction_field_.empty()) {
    inst.prompt_id = instruction_id(doc);
  }

  const json choices = choices_of(ref);
  const int k = shots(options);
  const bool mera = config_.fewshot.sampler == "mera";
  const TextRule& no_instruction = rules_.fewshot_no_instruction.set() ? rules_.fewshot_no_instruction : *prompt;
  const TextRule& query = rules_.fewshot_query.set() ? rules_.fewshot_query : no_instruction;
  const TextRule& shot_text_rule = rules_.fewshot_doc_to_text.set() ? rules_.fewshot_doc_to_text : *prompt;
  const TextRule& shot_target_rule =
      rules_.fewshot_doc_to_target.set() ? rules_.fewshot_doc_to_target : rules_.doc_to_target;

  // Shots: (text, answer) pairs.
  std::vector<std::pair<std::string, std::string>> shot_pairs;
  std::string question;
  std::string shots_text;
  if (rutie() && k > 0) {
    // MERA's ruTiE former: the dialogue so far, its answers as RUTIE_TARGET_<i> placeholders.
    std::call_once(rutie_once_, [this] {
      rutie_texts_ = rutie_shot_texts(rules_, fewshot_docs(), config_.task, pool_split());
    });
    RutieContext rc = rutie_context(config_.fewshot_delimiter, fewshot_docs(), rutie_texts_, ref,
                                    options.chat && options.fewshot_as_multiturn);
    question = render_rule(*prompt, DocRef{config_.task, split, doc_id, rc.doc});
    shot_pairs = std::move(rc.turns);
    shots_text = std::move(rc.labeled);
    for (const auto& [text, answer] : shot_pairs) shots_text += text + config_.target_delimiter + answer + config_.fewshot_delimiter;
  } else if (k > 0) {
    const auto& pool = fewshot_docs();
    const std::string psplit = pool_split();
    const auto& chosen = selections(k, options.seed, double_draw(options))->at(doc_id);
    for (size_t i = 0; i < chosen.size(); ++i) {
      const json& sdoc = pool[chosen[i]];
      const DocRef sref{config_.task, psplit, chosen[i], sdoc};
      const json schoices = choices.is_null() ? json() : choices_of(sref);
      std::string text;
      if (mera) {
        // MERA: the first shot keeps its own instruction, later shots use the no-instruction template.
        text = render_rule(i == 0 ? query : no_instruction, sref);
        if (i == 0 && !instruction_field_.empty()) inst.prompt_id = instruction_id(sdoc);
      } else {
        text = render_rule(shot_text_rule, sref);
      }
      shot_pairs.emplace_back(std::move(text), target_text(target_value(shot_target_rule, sref), schoices));
    }
  }
  if (!(rutie() && k > 0)) {
    question = render_rule(mera && k > 0 ? no_instruction : *prompt, ref);
    for (const auto& [text, answer] : shot_pairs) {
    // lm-eval skips the answer (and the delimiter) of a shot without one; MERA always appends both.
      if (mera || !answer.empty()) shots_text += text + config_.target_delimiter + answer + config_.fewshot_delimiter;
      else shots_text += text;
    }
  }

  // System prompt: --system-prompt and the task description, as lm-eval combines them.
  const std::string description = rules_.description.set() ? render_rule(rules_.description, ref) : "";
  std::string system;
  if (!options.system_prompt.empty() && !description.empty()) {
    system = options.system_prompt + config_.fewshot_delimiter + description;
  } else {
    system = options.system_prompt.empty() ? description : options.system_prompt;
  }
  inst.context = system + shots_text + question;
  if (options.chat) {
    if (!system.empty()) inst.messages.push_back({"system", system});
    if (options.fewshot_as_multiturn) {
      for (const auto& [text, answer] : shot_pairs) {
        inst.messages.push_back({"user", text});
        inst.messages.push_back({"assistant", answer});
      }
      inst.messages.push_back({"user", question});
    } else {
      inst.messages.push_back({"user", shots_text + question});
    }
  }

  // ruTiE: the model's own earlier answers replace the placeholders (MERA's request_updater).
  if (rutie() && !options.dialogue_answers.empty()) {
    const size_t q = rutie_question_id(ref);
    if (options.dialogue_answers.size() < q) {
      throw UserError(ref.describe() + ": needs the answers to the " + std::to_string(q) +
                      " earlier questions of its dialogue, got " + std::to_string(options.dialogue_answers.size()));
    }
    inst.context = rutie_fill(std::move(inst.context), q, options.dialogue_answers);
    for (auto& m : inst.messages) m.content = rutie_fill(std::move(m.content), q, options.dialogue_answers);
  }

  // Requests and gold.
  switch (config_.output_type) {
    case OutputType::kMultipleChoice: {
      for (const auto& c : choices) {
        inst.choices.push_back(c.get<std::string>());
        inst.continuations.push_back(config_.target_delimiter + c.get<std::string>());
      }
      const json t = target_value(rules_.doc_to_target, ref);
      auto index_of = [&](const json& g) -> json {
        if (g.is_number_integer()) {
          const long long i = g.get<long long>();
          if (i < 0 || i >= static_cast<long long>(inst.choices.size())) {
            throw UserError(ref.describe() + ": gold index " + std::to_string(i) + " out of range for " +
                            std::to_string(inst.choices.size()) + " choices");
          }
          return i;
        }
        const std::string s = g.is_string() ? g.get<std::string>() : templates::python_str(g);
        if (s.empty()) return nullptr;  // no public gold (e.g. MERA's closed test set)
        for (size_t i = 0; i < inst.choices.size(); ++i)
          if (inst.choices[i] == s) return i;
        throw UserError(ref.describe() + ": target '" + s + "' is not one of the choices " + choices.dump());
      };
      if (t.is_array()) {
        inst.target = json::array();
        for (const auto& g : t) inst.target.push_back(index_of(g));
      } else {
        inst.target = index_of(t);
      }
      break;
    }
    case OutputType::kLoglikelihood: {
      const std::string t = target_text(target_value(rules_.doc_to_target, ref), choices);
      inst.target = t;
      inst.continuations.push_back(config_.target_delimiter + t);
      break;
    }
    case OutputType::kLoglikelihoodRolling: {
      inst.rolling_text = target_text(target_value(rules_.doc_to_target, ref), choices);
      inst.target = inst.rolling_text;
      break;
    }
    case OutputType::kGenerateUntil: {
      if (rules_.doc_to_target.set()) {
        json t = target_value(rules_.doc_to_target, ref);
        if (t.is_number_integer() && choices.is_array()) t = target_text(t, choices);
        inst.target = t.is_array() || t.is_string() ? t : json(templates::python_str(t));
      }
      const GenerationKwargs& g = config_.generation_kwargs;
      inst.generation.prompt = inst.context;
      inst.generation.messages = inst.messages;
      inst.generation.until = g.until;
      inst.generation.max_tokens = g.max_gen_toks;
      inst.generation.temperature = g.temperature;
      inst.generation.top_p = g.top_p;
      inst.generation.seed = options.seed;
      inst.generation.n = config_.repeats;
      inst.generation.extra = g.extra;
      break;
    }
  }
  return inst;
}

}  // namespace

std::shared_ptr<const Task> make_task(const TaskConfig& config, std::optional<fs::path> data_dir) {
  if (!config.rules) throw UserError("task '" + config.task + "': config was not loaded by load_task_config");
  return std::make_shared<ConfigTask>(config, std::move(data_dir));
}

}  // namespace evalrun::tasks
