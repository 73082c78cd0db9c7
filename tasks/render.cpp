// Rendering of text rules (fields, Jinja templates, Python str.format mappings) for one document.
#include <mutex>

#include "common/errors.h"
#include "tasks/filters.h"
#include "tasks/rules.h"
#include "tasks/util.h"

namespace evalrun::tasks {

using nlohmann::json;

std::string DocRef::describe() const {
  std::string s = "task '" + task + "', " + split + " doc " + std::to_string(index);
  if (const json* id = find_path(doc, "meta.id"); id && !id->is_object() && !id->is_array()) {
    s += " (meta.id " + templates::python_str(*id) + ")";
  }
  return s;
}

const templates::PyFormat& format_template(const FormatRule& rule, const DocRef& ref) {
  const json* field = find_path(ref.doc, rule.template_field);
  if (!field || !field->is_string()) {
    throw UserError(ref.describe() + ": field '" + rule.template_field + "' (a format template) is missing or not a string");
  }
  const std::string& text = field->get_ref<const std::string&>();
  {
    std::shared_lock lock(rule.cache_mutex);
    auto it = rule.cache.find(text);
    if (it != rule.cache.end()) return it->second;
  }
  std::string t = text;
  for (const auto& [from, to] : rule.replace) t = replace_all(t, from, to);
  templates::PyFormat parsed;
  try {
    parsed = templates::PyFormat::parse(t);
  } catch (const templates::PyFormatError& e) {
    throw UserError(ref.describe() + ": field '" + rule.template_field + "': " + e.what());
  }
  std::unique_lock lock(rule.cache_mutex);
  return rule.cache.emplace(text, std::move(parsed)).first->second;  // unordered_map keeps references stable
}

namespace {

std::string render_format(const FormatRule& rule, const TextRule& owner, const DocRef& ref) {
  const templates::PyFormat& tmpl = rule.template_field.empty() ? rule.literal : format_template(rule, ref);
  const json* fields = find_path(ref.doc, rule.fields);
  if (!fields) throw UserError(ref.describe() + ": missing field '" + rule.fields + "' (" + owner.origin + ")");
  std::string out;
  try {
    out = tmpl.format([&](std::string_view name) -> const json* {
      if (fields->is_object()) {
        auto it = fields->find(std::string(name));
        if (it != fields->end()) return &*it;
      } else if (name == rule.bind) {
        return fields;
      }
      auto it = rule.extra.find(std::string(name));
      return it == rule.extra.end() ? nullptr : &*it;
    });
  } catch (const templates::PyFormatError& e) {
    const std::string what = rule.template_field.empty() ? "template" : "field '" + rule.template_field + "'";
    if (e.kind == templates::PyFormatError::Kind::kMissingField) {
      throw UserError(ref.describe() + ": " + what + " uses {" + e.field + "} but '" + rule.fields +
                      "' has no field '" + e.field + "'");
    }
    throw UserError(ref.describe() + ": " + what + ": " + e.what());
  }
  if (rule.strip_left || rule.strip_right) out = python_strip(out, rule.strip_left, rule.strip_right);
  out += rule.suffix;
  return out;
}

}  // namespace

json render_rule_value(const TextRule& rule, const DocRef& ref) {
  switch (rule.kind) {
    case TextRule::Kind::kUnset: return "";
    case TextRule::Kind::kFieldOrLiteral: {
      if (ref.doc.is_object()) {
        auto it = ref.doc.find(rule.source);
        if (it != ref.doc.end()) return *it;
      }
      return rule.source;
    }
    case TextRule::Kind::kJinja:
      try {
        return rule.jinja->render(ref.doc);
      } catch (const UserError& e) {
        throw UserError(ref.describe() + ": " + e.what());
      }
    case TextRule::Kind::kList: return rule.list;
    case TextRule::Kind::kInt: return rule.int_value;
    case TextRule::Kind::kFormat: return render_format(*rule.format, rule, ref);
  }
  return "";
}

std::string render_rule(const TextRule& rule, const DocRef& ref) {
  if (rule.kind == TextRule::Kind::kFieldOrLiteral && ref.doc.is_object()) {
    auto it = ref.doc.find(rule.source);
    if (it != ref.doc.end()) return it->is_string() ? it->get<std::string>() : templates::python_str(*it);
    return rule.source;
  }
  if (rule.kind == TextRule::Kind::kFormat) return render_format(*rule.format, rule, ref);
  const json v = render_rule_value(rule, ref);
  return v.is_string() ? v.get<std::string>() : templates::python_str(v);
}

}  // namespace evalrun::tasks
