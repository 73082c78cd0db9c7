#include "templates/cli.h"

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "common/errors.h"
#include "templates/chat_template.h"

namespace evalrun::templates {

namespace {

struct ChatTemplateOptions {
  std::string model;
  std::string messages;
  std::string template_name = "default";
  std::string extra;
  bool add_generation_prompt = false;
};

nlohmann::ordered_json read_json_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError(path + ": cannot read " + what);
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return nlohmann::ordered_json::parse(ss.str());
  } catch (const nlohmann::json::parse_error& e) {
    throw UserError(path + ": invalid JSON: " + e.what());
  }
}

int run_chat_template(const ChatTemplateOptions& o) {
  auto tpl = ChatTemplate::load(o.model, o.template_name);
  if (!tpl) throw UserError(o.model + ": no chat template (tokenizer_config.json has no 'chat_template')");
  nlohmann::ordered_json messages = read_json_file(o.messages, "messages");
  // Accept either a bare list of messages or {"messages": [...], ...extra context}.
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();
  if (messages.is_object()) {
    if (!messages.contains("messages")) throw UserError(o.messages + ": expected a list of messages or an object with 'messages'");
    for (auto it = messages.begin(); it != messages.end(); ++it)
      if (it.key() != "messages") extra[it.key()] = it.value();
    messages = nlohmann::ordered_json(messages["messages"]);
  }
  if (!messages.is_array()) throw UserError(o.messages + ": expected a JSON list of {\"role\", \"content\"} messages");
  if (!o.extra.empty()) {
    nlohmann::ordered_json more = read_json_file(o.extra, "extra context");
    if (!more.is_object()) throw UserError(o.extra + ": expected a JSON object");
    for (auto it = more.begin(); it != more.end(); ++it) extra[it.key()] = it.value();
  }
  std::string out = tpl->render_ordered(messages, o.add_generation_prompt, extra);
  std::cout.write(out.data(), static_cast<std::streamsize>(out.size()));
  std::cout.flush();
  return 0;
}

}  // namespace

void add_commands(CLI::App& app, CommandTable& table) {
  auto opts = std::make_shared<ChatTemplateOptions>();
  auto* sub = app.add_subcommand("chat-template", "Render a model's chat template over a list of messages");
  sub->add_option("--model", opts->model, "Model directory (tokenizer_config.json / chat_template.jinja)")->required();
  sub->add_option("--messages", opts->messages,
                  "JSON file: a list of messages, or an object with 'messages' plus extra variables (e.g. tools)")
      ->required();
  sub->add_flag("--add-generation-prompt", opts->add_generation_prompt, "Append the assistant turn opener");
  sub->add_option("--template-name", opts->template_name, "Named template when the model has several (default: default)");
  sub->add_option("--extra", opts->extra, "JSON object file of extra template variables (e.g. tools, enable_thinking)");
  table.add(sub, [opts] { return run_chat_template(*opts); });
}

}  // namespace evalrun::templates
