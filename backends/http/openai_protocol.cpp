#include "backends/http/openai_protocol.h"

#include <algorithm>
#include <limits>

namespace evalrun::http {
namespace {

using nlohmann::json;

void apply_extra(json& body, const json& extra) {
  if (!extra.is_object()) return;
  for (auto it = extra.begin(); it != extra.end(); ++it) {
    if (it.value().is_null())
      body.erase(it.key());
    else
      body[it.key()] = it.value();
  }
}

json parse_json(std::string_view body) {
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) throw MalformedResponse("response body is not valid JSON (truncated?)");
  if (!doc.is_object()) throw MalformedResponse("response body is not a JSON object");
  return doc;
}

const json& choices_of(const json& doc) {
  auto it = doc.find("choices");
  if (it == doc.end() || !it->is_array()) throw MalformedResponse("response has no \"choices\" array");
  if (it->empty()) throw MalformedResponse("response has an empty \"choices\" list");
  return *it;
}

std::optional<double> number_or_null(const json& value) {
  if (value.is_number()) return value.get<double>();
  return std::nullopt;
}

}  // namespace

json build_generation_body(Api api, const std::string& model, const backends::GenerationRequest& request, int n,
                           uint64_t seed, int max_stop) {
  json body = json::object();
  body["model"] = model;
  if (api == Api::kChat) {
    json messages = json::array();
    if (request.messages.empty()) {
      messages.push_back({{"role", "user"}, {"content", request.prompt}});
    } else {
      for (const auto& m : request.messages) messages.push_back({{"role", m.role}, {"content", m.content}});
    }
    body["messages"] = std::move(messages);
  } else {
    body["prompt"] = request.prompt;
  }
  body["max_tokens"] = request.max_tokens;
  body["temperature"] = request.temperature;
  body["top_p"] = request.top_p;
  body["seed"] = seed;
  body["n"] = n;
  json stop = json::array();
  for (const auto& s : request.until) {
    if (s.empty()) continue;
    if (max_stop > 0 && static_cast<int>(stop.size()) >= max_stop) break;
    stop.push_back(s);
  }
  if (!stop.empty()) body["stop"] = std::move(stop);
  apply_extra(body, request.extra);
  return body;
}

std::vector<std::string> parse_generation(Api api, std::string_view body) {
  const json doc = parse_json(body);
  const json& choices = choices_of(doc);
  std::vector<std::pair<long, std::string>> indexed;
  long position = 0;
  for (const auto& choice : choices) {
    if (!choice.is_object()) throw MalformedResponse("a choice is not a JSON object");
    long index = position++;
    if (auto it = choice.find("index"); it != choice.end() && it->is_number_integer()) index = it->get<long>();
    std::string text;
    if (api == Api::kChat) {
      auto message = choice.find("message");
      if (message == choice.end() || !message->is_object())
        throw MalformedResponse("a choice has no \"message\" object");
      auto content = message->find("content");
      if (content != message->end() && content->is_string()) text = content->get<std::string>();
      // null / missing content (refusals, tool calls) is recorded as an empty answer
    } else {
      auto t = choice.find("text");
      if (t != choice.end() && t->is_string()) text = t->get<std::string>();
    }
    indexed.emplace_back(index, std::move(text));
  }
  std::stable_sort(indexed.begin(), indexed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> texts;
  texts.reserve(indexed.size());
  for (auto& [_, text] : indexed) texts.push_back(std::move(text));
  return texts;
}

std::string cut_at_stop(std::string text, const std::vector<std::string>& until) {
  size_t cut = std::string::npos;
  for (const auto& s : until) {
    if (s.empty()) continue;
    cut = std::min(cut, text.find(s));
  }
  if (cut != std::string::npos) text.resize(cut);
  return text;
}

json build_score_body(const std::string& model, json prompt, int max_tokens, const json& extra) {
  json body = json::object();
  body["model"] = model;
  body["prompt"] = std::move(prompt);
  body["echo"] = true;
  body["logprobs"] = 1;
  body["max_tokens"] = max_tokens;
  body["temperature"] = 0.0;
  apply_extra(body, extra);
  return body;
}

std::optional<PromptLogprobs> parse_prompt_logprobs(std::string_view body) {
  const json doc = parse_json(body);
  const json& choice = choices_of(doc)[0];
  if (!choice.is_object()) throw MalformedResponse("a choice is not a JSON object");
  auto lp = choice.find("logprobs");
  if (lp == choice.end() || !lp->is_object()) return std::nullopt;
  auto tokens = lp->find("tokens");
  auto token_logprobs = lp->find("token_logprobs");
  if (tokens == lp->end() || token_logprobs == lp->end() || !tokens->is_array() || !token_logprobs->is_array() ||
      tokens->size() != token_logprobs->size())
    return std::nullopt;
  PromptLogprobs out;
  for (const auto& t : *tokens) out.tokens.push_back(t.is_string() ? t.get<std::string>() : t.dump());
  for (const auto& v : *token_logprobs) out.logprobs.push_back(number_or_null(v));
  if (auto offsets = lp->find("text_offset"); offsets != lp->end() && offsets->is_array()) {
    for (const auto& v : *offsets) out.text_offset.push_back(v.is_number() ? v.get<long>() : -1);
    if (out.text_offset.size() != out.tokens.size()) out.text_offset.clear();
  }
  if (auto top = lp->find("top_logprobs"); top != lp->end() && top->is_array() && top->size() == out.tokens.size()) {
    for (const auto& entry : *top) {
      std::optional<double> best;
      if (entry.is_object())
        for (const auto& v : entry)
          if (v.is_number()) best = std::max(best.value_or(-std::numeric_limits<double>::infinity()), v.get<double>());
      out.top_max.push_back(best);
    }
  }
  return out;
}

size_t count_code_points(std::string_view utf8) {
  size_t n = 0;
  for (unsigned char c : utf8)
    if ((c & 0xC0) != 0x80) n++;
  return n;
}

}  // namespace evalrun::http
