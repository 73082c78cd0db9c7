#include "fake_model.h"

#include <algorithm>
#include <cctype>

namespace fake_openai {
namespace {

using nlohmann::json;

constexpr const char* kWords[] = {"alpha", "bravo",  "charlie", "delta", "echo",   "foxtrot", "golf",  "hotel",
                                  "india", "juliet", "kilo",    "lima",  "mike",   "november", "oscar", "papa"};

size_t code_points(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) n++;
  return n;
}

std::string prompt_text(const json& request, bool chat) {
  if (chat) {
    std::string text;
    for (const auto& m : request.value("messages", json::array()))
      if (m.is_object() && m.contains("content") && m["content"].is_string())
        text += m["content"].get<std::string>() + "\n";
    return text;
  }
  const json& p = request.contains("prompt") ? request["prompt"] : json();
  if (p.is_string()) return p.get<std::string>();
  return p.dump();
}

std::optional<std::string> base_answer(const std::string& prompt, uint64_t h) {
  if (auto start = prompt.rfind("ECHO["); start != std::string::npos) {
    auto end = prompt.find(']', start);
    if (end != std::string::npos) return prompt.substr(start + 5, end - start - 5);
  }
  if (prompt.find("NULLCONTENT") != std::string::npos) return std::nullopt;
  std::string text = std::to_string(1 + h % 2);
  for (int i = 0; i < 6; i++) text += std::string(" ") + kWords[(h >> (4 + 4 * i)) & 15];
  return text;
}

std::string limit_words(const std::string& text, long max_tokens) {
  long words = 0;
  bool in_word = false;
  size_t last_end = 0;
  for (size_t i = 0; i < text.size(); i++) {
    const bool space = std::isspace(static_cast<unsigned char>(text[i]));
    if (!space && !in_word) {
      if (words == max_tokens) return text.substr(0, last_end);
      words++;
    }
    if (space && in_word) last_end = i;
    in_word = !space;
  }
  return text;
}

std::string apply_stop(std::string text, const json& stop) {
  size_t cut = std::string::npos;
  auto consider = [&](const json& s) {
    if (s.is_string() && !s.get<std::string>().empty()) cut = std::min(cut, text.find(s.get<std::string>()));
  };
  if (stop.is_array())
    for (const auto& s : stop) consider(s);
  else
    consider(stop);
  if (cut != std::string::npos) text.resize(cut);
  return text;
}

json prompt_logprobs(const json& prompt) {
  json tokens = json::array(), lps = json::array(), offsets = json::array(), tops = json::array();
  long offset = 0;
  auto add = [&](const std::string& tok, double lp, bool greedy) {
    const bool first = tokens.empty();
    tokens.push_back(tok);
    offsets.push_back(offset);
    offset += static_cast<long>(code_points(tok));
    lps.push_back(first ? json() : json(lp));
    tops.push_back(first ? json() : json{{greedy ? tok : std::string("X"), greedy ? lp : lp + 0.5}});
  };
  if (prompt.is_array()) {
    for (const auto& id : prompt) {
      const long v = id.is_number_integer() ? id.get<long>() : 0;
      std::string tok = "<";
      tok += std::to_string(v);
      tok += '>';
      add(tok, -0.1 * (v % 10 + 1), v % 2 == 0);
    }
  } else {
    const std::string text = prompt.is_string() ? prompt.get<std::string>() : std::string();
    size_t i = 0;
    while (i < text.size()) {
      size_t j = i;
      while (j < text.size() && std::isspace(static_cast<unsigned char>(text[j]))) j++;
      while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j]))) j++;
      const std::string tok = text.substr(i, j - i);
      const size_t first = tok.find_first_not_of(" \t\r\n");
      const bool greedy = first != std::string::npos && std::islower(static_cast<unsigned char>(tok[first]));
      add(tok, -0.25 * static_cast<double>(code_points(tok)), greedy);
      i = j;
    }
  }
  return {{"tokens", tokens}, {"token_logprobs", lps}, {"text_offset", offsets}, {"top_logprobs", tops}};
}

ModelReply error(int status, const std::string& message) {
  return {status, json{{"error", {{"message", message}, {"type", "invalid_request_error"}}}}.dump()};
}

}  // namespace

uint64_t fnv1a(const std::string& data, uint64_t h) {
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

ModelReply answer(const json& request, bool chat, const ModelSettings& settings) {
  if (!request.is_object() || !request.contains("model")) return error(400, "missing 'model'");
  if (chat && !request.contains("messages")) return error(400, "missing 'messages'");
  if (!chat && !request.contains("prompt")) return error(400, "missing 'prompt'");
  const json stop = request.value("stop", json());
  if (settings.max_stop > 0 && stop.is_array() && static_cast<int>(stop.size()) > settings.max_stop)
    return error(400, "'stop' accepts at most " + std::to_string(settings.max_stop) + " strings");
  const long max_tokens = request.value("max_tokens", 16L);
  const bool echo = request.value("echo", false);
  if (max_tokens == 0 && settings.reject_max_tokens_zero) return error(400, "max_tokens must be at least 1");
  int n = request.value("n", 1);
  if (settings.max_n > 0) n = std::min(n, settings.max_n);
  const double temperature = request.value("temperature", 1.0);
  const uint64_t seed = request.value("seed", 0ULL);
  const std::string prompt = prompt_text(request, chat);

  json choices = json::array();
  for (int i = 0; i < n; i++) {
    uint64_t h = fnv1a(prompt);
    if (temperature > 0) h = fnv1a(std::to_string(seed) + "/" + std::to_string(i), h);
    std::optional<std::string> text = base_answer(prompt, h);
    if (text) text = apply_stop(limit_words(*text, max_tokens), stop);
    json choice = {{"index", i}, {"finish_reason", "stop"}};
    if (chat) {
      choice["message"] = {{"role", "assistant"}, {"content", text ? json(*text) : json()}};
    } else {
      std::string out = text.value_or("");
      if (echo) {
        const json& p = request["prompt"];
        if (settings.no_logprobs || !request.contains("logprobs")) {
          choice["logprobs"] = json();
        } else {
          json lp = prompt_logprobs(p);
          if (max_tokens > 0) {  // one generated token after the prompt
            lp["tokens"].push_back(" gen");
            lp["token_logprobs"].push_back(-1.0);
            lp["text_offset"].push_back(p.is_string() ? code_points(p.get<std::string>()) : 0);
            lp["top_logprobs"].push_back(json{{" gen", -1.0}});
          }
          choice["logprobs"] = std::move(lp);
        }
        out = (p.is_string() ? p.get<std::string>() : std::string()) + (max_tokens > 0 ? " gen" : "");
      }
      choice["text"] = text || echo ? json(out) : json();
    }
    choices.push_back(std::move(choice));
  }
  json reply = {{"id", "fake-" + std::to_string(fnv1a(prompt) % 100000)},
                {"object", chat ? "chat.completion" : "text_completion"},
                {"model", request["model"]},
                {"choices", std::move(choices)},
                {"usage", {{"prompt_tokens", 1}, {"completion_tokens", 1}, {"total_tokens", 2}}}};
  return {200, reply.dump()};
}

}  // namespace fake_openai
