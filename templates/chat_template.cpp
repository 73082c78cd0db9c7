#include "templates/chat_template.h"

#include <fstream>
#include <sstream>

#include "common/errors.h"

namespace evalrun::templates {

namespace {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError(path.string() + ": cannot read file");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

ojson read_json(const fs::path& path) {
  try {
    return ojson::parse(read_file(path));
  } catch (const nlohmann::json::parse_error& e) {
    throw UserError(path.string() + ": invalid JSON: " + e.what());
  }
}

// A special token entry: a string, {"content": ...} (AddedToken) or null.
std::optional<std::string> token_content(const ojson& v, const fs::path& file, const std::string& key) {
  if (v.is_null()) return std::nullopt;
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v["content"].is_string()) return v["content"].get<std::string>();
  throw UserError(file.string() + ": field '" + key + "': expected a string or an object with \"content\"");
}

// Picks a template out of a chat_template value (string or [{"name","template"}]).
std::string select_template(const ojson& value, const std::string& name, const fs::path& file) {
  if (value.is_string()) return value.get<std::string>();
  if (!value.is_array())
    throw UserError(file.string() + ": field 'chat_template': expected a string or a list of {\"name\", \"template\"}");
  std::string names;
  for (const auto& entry : value) {
    if (!entry.is_object() || !entry.contains("name") || !entry.contains("template") || !entry["name"].is_string() ||
        !entry["template"].is_string())
      throw UserError(file.string() + ": field 'chat_template': each entry needs string \"name\" and \"template\"");
    if (entry["name"] == name) return entry["template"].get<std::string>();
    names += (names.empty() ? "" : ", ") + entry["name"].get<std::string>();
  }
  throw UserError(file.string() + ": no chat template named '" + name + "' (available: " + names + ")");
}

}  // namespace

std::unique_ptr<ChatTemplate> ChatTemplate::load(const fs::path& model_dir, const std::string& name) {
  fs::path dir = model_dir;
  if (fs::is_regular_file(dir)) dir = dir.parent_path();
  if (!fs::is_directory(dir)) throw UserError(model_dir.string() + ": not a model directory");
  fs::path config_path = dir / "tokenizer_config.json";
  ojson config = fs::exists(config_path) ? read_json(config_path) : ojson::object();
  if (!config.is_object()) throw UserError(config_path.string() + ": expected a JSON object");

  std::optional<std::string> source;
  std::string origin;
  fs::path jinja_path = dir / "chat_template.jinja";
  fs::path json_path = dir / "chat_template.json";
  fs::path named_path = dir / "additional_chat_templates" / (name + ".jinja");
  if (name != "default" && fs::exists(named_path)) {
    source = read_file(named_path);
    origin = named_path.string();
  } else if (name == "default" && fs::exists(jinja_path)) {
    source = read_file(jinja_path);
    origin = jinja_path.string();
  } else if (config.contains("chat_template") && !config["chat_template"].is_null()) {
    source = select_template(config["chat_template"], name, config_path);
    origin = config_path.string() + ":chat_template";
  } else if (fs::exists(json_path)) {
    ojson j = read_json(json_path);
    if (!j.is_object() || !j.contains("chat_template"))
      throw UserError(json_path.string() + ": expected an object with 'chat_template'");
    source = select_template(j["chat_template"], name, json_path);
    origin = json_path.string();
  }
  if (!source) {
    if (name != "default") throw UserError(dir.string() + ": no chat template named '" + name + "'");
    return nullptr;
  }

  // Special tokens: tokenizer_config.json, then special_tokens_map.json for the ones it lacks.
  ojson specials = ojson::object();
  static const char* kKeys[] = {"bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"};
  auto collect = [&](const ojson& src, const fs::path& file) {
    for (const char* key : kKeys) {
      if (specials.contains(key) || !src.contains(key)) continue;
      if (auto content = token_content(src[key], file, key)) specials[key] = *content;
    }
    if (!specials.contains("additional_special_tokens") && src.contains("additional_special_tokens") &&
        src["additional_special_tokens"].is_array()) {
      ojson list = ojson::array();
      for (const auto& t : src["additional_special_tokens"])
        if (auto content = token_content(t, file, "additional_special_tokens")) list.push_back(*content);
      if (!list.empty()) specials["additional_special_tokens"] = list;
    }
  };
  collect(config, config_path);
  fs::path map_path = dir / "special_tokens_map.json";
  if (fs::exists(map_path)) {
    ojson map = read_json(map_path);
    if (map.is_object()) collect(map, map_path);
  }

  auto ct = from_source(*source, specials.value("bos_token", std::string()), specials.value("eos_token", std::string()),
                        origin);
  ct->special_tokens_ = std::move(specials);
  return ct;
}

std::unique_ptr<ChatTemplate> ChatTemplate::from_source(const std::string& source, const std::string& bos,
                                                        const std::string& eos, const std::string& origin) {
  auto ct = std::make_unique<ChatTemplate>();
  ct->source_ = source;
  ct->bos_ = bos;
  ct->eos_ = eos;
  ct->template_ = Template::parse(source, origin);
  ct->special_tokens_["bos_token"] = bos;
  ct->special_tokens_["eos_token"] = eos;
  return ct;
}

std::string ChatTemplate::render_ordered(const ojson& messages, bool add_generation_prompt, const ojson& extra) const {
  ojson ctx = special_tokens_;
  ctx["messages"] = messages;
  ctx["tools"] = nullptr;
  ctx["documents"] = nullptr;
  ctx["add_generation_prompt"] = add_generation_prompt;
  if (!extra.is_null()) {
    if (!extra.is_object()) throw UserError("chat template: extra context must be a JSON object");
    for (auto it = extra.begin(); it != extra.end(); ++it) ctx[it.key()] = it.value();
  }
  return template_->render(ctx, options_);
}

std::string ChatTemplate::render(const nlohmann::json& messages, bool add_generation_prompt,
                                 const nlohmann::json& extra_context) const {
  return render_ordered(ojson(messages), add_generation_prompt, ojson(extra_context));
}

}  // namespace evalrun::templates
