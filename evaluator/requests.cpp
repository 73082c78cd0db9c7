#include "evaluator/requests.h"

#include "common/errors.h"
#include "templates/chat_template.h"

namespace evalrun::evaluator {

const char* kind_name(RequestKind kind) {
  switch (kind) {
    case RequestKind::kScore: return "loglikelihood";
    case RequestKind::kRolling: return "loglikelihood_rolling";
    case RequestKind::kGenerate: return "generate_until";
  }
  return "?";
}

size_t RequestTable::add(Request request) {
  const auto key = std::make_pair(request.kind, request.canonical);
  if (auto it = index_.find(key); it != index_.end()) {
    ++duplicates_;
    return it->second;
  }
  requests_.push_back(std::move(request));
  index_.emplace(key, requests_.size() - 1);
  return requests_.size() - 1;
}

namespace {

nlohmann::json messages_json(const std::vector<backends::ChatMessage>& messages) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& m : messages) out.push_back({{"role", m.role}, {"content", m.content}});
  return out;
}

Request score_request(const std::string& context, const std::vector<std::string>& continuations) {
  Request r;
  r.kind = RequestKind::kScore;
  r.group.context = context;
  r.group.continuations = continuations;
  size_t longest = 0;
  for (const auto& c : continuations) longest = std::max(longest, c.size());
  r.length = context.size() + longest;
  r.canonical = nlohmann::json{{"context", context}, {"continuations", continuations}}.dump();
  return r;
}

// --gen-kwargs overrides the task's generation settings; unknown keys travel as extra body fields.
void apply_gen_kwargs(backends::GenerationRequest& g, const nlohmann::json& kwargs) {
  for (const auto& [key, value] : kwargs.items()) {
    if (key == "until") {
      g.until = value.get<std::vector<std::string>>();
    } else if (key == "max_gen_toks" || key == "max_tokens") {
      g.max_tokens = value.get<int>();
    } else if (key == "temperature") {
      g.temperature = value.get<double>();
    } else if (key == "top_p") {
      g.top_p = value.get<double>();
    } else if (key == "seed") {
      g.seed = value.get<uint64_t>();
    } else if (key == "n") {
      g.n = value.get<int>();
    } else if (key == "do_sample") {
      if (!value.get<bool>()) g.temperature = 0.0;
    } else {
      g.extra[key] = value;
    }
  }
}

}  // namespace

DocWork add_instance(const tasks::TaskConfig& config, tasks::Instance instance, const BuildOptions& options,
                     RequestTable& table) {
  DocWork work;
  work.doc_id = instance.doc_id;
  work.context = instance.context;
  const bool chat = options.chat && !instance.messages.empty();
  const templates::ChatTemplate* chat_template = options.backend ? options.backend->chat_template() : nullptr;

  switch (config.output_type) {
    case tasks::OutputType::kMultipleChoice:
    case tasks::OutputType::kLoglikelihood: {
      // lm-eval semantics: in chat mode the rendered conversation (with the generation prompt) is the
      // context and the continuation is scored after it.
      if (chat) {
        if (!chat_template)
          throw UserError("--chat-template: the model has no chat template to render '" + config.task +
                          "' log-likelihood prompts; use --no-chat-template");
        work.context = chat_template->render(messages_json(instance.messages), true);
      }
      if (instance.continuations.empty())
        throw UserError("task '" + config.task + "': document " + std::to_string(instance.doc_id) +
                        " produced no continuations to score");
      work.requests.push_back(table.add(score_request(work.context, instance.continuations)));
      if (options.unconditional && config.output_type == tasks::OutputType::kMultipleChoice)
        work.requests.push_back(table.add(score_request("", instance.choices)));
      break;
    }
    case tasks::OutputType::kLoglikelihoodRolling: {
      Request r;
      r.kind = RequestKind::kRolling;
      r.text = instance.rolling_text;
      r.length = r.text.size();
      r.canonical = nlohmann::json{{"text", r.text}}.dump();
      work.context = r.text;
      work.requests.push_back(table.add(std::move(r)));
      break;
    }
    case tasks::OutputType::kGenerateUntil: {
      Request r;
      r.kind = RequestKind::kGenerate;
      backends::GenerationRequest& g = r.generation;
      g = instance.generation;
      if (g.prompt.empty()) g.prompt = instance.context;
      g.seed = options.seed;
      if (config.repeats > 1 && g.n < config.repeats) g.n = config.repeats;
      apply_gen_kwargs(g, options.gen_kwargs);
      nlohmann::json canon = {{"until", g.until},         {"max_tokens", g.max_tokens}, {"temperature", g.temperature},
                              {"top_p", g.top_p},         {"seed", g.seed},             {"n", g.n},
                              {"extra", g.extra}};
      if (chat) {
        g.messages = instance.messages;
        canon["messages"] = messages_json(g.messages);
        // A backend with a template renders the messages itself; record the same text as the context.
        if (chat_template) work.context = chat_template->render(messages_json(g.messages), true);
      } else {
        g.messages.clear();
        canon["prompt"] = g.prompt;
        work.context = g.prompt;
      }
      r.length = work.context.size();
      if (chat && !chat_template)
        for (const auto& m : g.messages) r.length += m.content.size();
      r.canonical = canon.dump();
      work.requests.push_back(table.add(std::move(r)));
      break;
    }
  }
  work.instance = std::move(instance);
  return work;
}

nlohmann::json to_json(const std::vector<backends::ContinuationScore>& scores) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : scores) out.push_back({s.logprob, s.is_greedy, s.n_tokens});
  return out;
}

nlohmann::json to_json(const backends::RollingScore& score) { return {score.logprob, score.n_tokens}; }

nlohmann::json to_json(const backends::GenerationResult& result) { return result.texts; }

}  // namespace evalrun::evaluator
