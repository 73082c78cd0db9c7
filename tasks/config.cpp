// Task YAML loading: include chains (lm-eval's shallow merge, later includes overridden by earlier ones and
// by the file itself), key validation with file:line, and compilation of templates/filters (TaskRules).
#include <algorithm>
#include <fstream>
#include <set>

#include <yaml-cpp/yaml.h>

#include "common/errors.h"
#include "metrics/metric.h"
#include "tasks/rules.h"
#include "tasks/util.h"

namespace evalrun::tasks {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Entry {
  YAML::Node value;
  std::string file;
  int line = 0;
  std::string where(const std::string& key) const { return located(file, line, "key '" + key + "'"); }
};

using Merged = std::vector<std::pair<std::string, Entry>>;

void set_entry(Merged& merged, const std::string& key, Entry entry) {
  for (auto& [k, e] : merged) {
    if (k == key) {
      e = std::move(entry);
      return;
    }
  }
  merged.emplace_back(key, std::move(entry));
}

std::string display(const fs::path& p) { return p.lexically_normal().string(); }

Merged load_merged(const fs::path& file, std::vector<fs::path>& chain, const std::string& included_from) {
  std::error_code ec;
  const fs::path canon = fs::weakly_canonical(file, ec);
  if (std::find(chain.begin(), chain.end(), canon) != chain.end()) {
    std::string cycle;
    for (const auto& p : chain) cycle += display(p) + " -> ";
    throw UserError(included_from + ": include cycle: " + cycle + display(canon));
  }
  if (!fs::is_regular_file(file)) {
    throw UserError(included_from.empty() ? display(file) + ": task config file not found"
                                          : included_from + ": included file not found: " + display(file));
  }
  YAML::Node root;
  const std::string name = display(file);
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::ParserException& e) {
    throw UserError(located(name, e.mark.line + 1, "YAML syntax error: " + e.msg));
  } catch (const YAML::BadFile&) {
    throw UserError(name + ": cannot read file");
  }
  if (!root.IsMap()) throw UserError(located(name, root.Mark().line + 1, "expected a mapping of task keys"));
  chain.push_back(canon);
  Merged merged;
  if (YAML::Node inc = root["include"]) {
    // (path, line) pairs: YAML::Node has reference semantics, so nodes are never reordered in place.
    std::vector<std::pair<std::string, int>> items;
    auto add_item = [&](const YAML::Node& n) {
      if (!n.IsScalar()) throw UserError(located(name, n.Mark().line + 1, "key 'include': expected a path"));
      items.emplace_back(n.Scalar(), n.Mark().line + 1);
    };
    if (inc.IsScalar()) add_item(inc);
    else if (inc.IsSequence())
      for (const auto& n : inc) add_item(n);
    else
      throw UserError(located(name, inc.Mark().line + 1, "key 'include': expected a path or a list of paths"));
    // lm-eval loads the last include first, so earlier entries override later ones.
    for (auto item = items.rbegin(); item != items.rend(); ++item) {
      fs::path target = item->first;
      if (target.is_relative()) target = file.parent_path() / target;
      for (auto& [k, e] : load_merged(target, chain, located(name, item->second, "key 'include'")))
        set_entry(merged, k, std::move(e));
    }
  }
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string key = it->first.as<std::string>();
    if (key == "include") continue;
    set_entry(merged, key, Entry{it->second, name, it->first.Mark().line + 1});
  }
  chain.pop_back();
  return merged;
}

// YAML -> JSON with YAML 1.1-ish scalar typing for plain scalars; quoted scalars stay strings.
json to_json(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return nullptr;
    case YAML::NodeType::Sequence: {
      json a = json::array();
      for (const auto& item : n) a.push_back(to_json(item));
      return a;
    }
    case YAML::NodeType::Map: {
      json o = json::object();
      for (auto it = n.begin(); it != n.end(); ++it) o[it->first.as<std::string>()] = to_json(it->second);
      return o;
    }
    case YAML::NodeType::Scalar: break;
  }
  const std::string s = n.Scalar();
  if (n.Tag() == "!" || n.Tag() == "tag:yaml.org,2002:str") return s;
  if (s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (!s.empty()) {
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(s.c_str(), &end, 10);
    if (*end == '\0' && errno == 0) return v;
    const double d = std::strtod(s.c_str(), &end);
    if (*end == '\0' && s.find_first_of("0123456789") != std::string::npos) return d;
  }
  return s;
}

bool is_null(const YAML::Node& n) { return !n || n.IsNull() || (n.IsScalar() && to_json(n).is_null()); }

void no_function(const Entry& e, const std::string& key) {
  if (e.value.Tag() == "!function") {
    throw UserError(e.where(key) + ": '!function' (Python code) is not supported; express it with a template, "
                                   "a field name, metric kwargs or a filter (see docs/tasks.md)");
  }
}

std::string as_string(const Entry& e, const std::string& key) {
  no_function(e, key);
  if (!e.value.IsScalar()) throw UserError(e.where(key) + ": expected a string");
  return e.value.Scalar();
}

long long as_int(const Entry& e, const std::string& key, long long min) {
  const json v = e.value.IsScalar() ? to_json(e.value) : json();
  if (!v.is_number_integer() || v.get<long long>() < min) {
    throw UserError(e.where(key) + ": expected an integer >= " + std::to_string(min));
  }
  return v.get<long long>();
}

bool as_bool(const YAML::Node& n, const std::string& where) {
  const json v = n.IsScalar() ? to_json(n) : json();
  if (!v.is_boolean()) throw UserError(where + ": expected true or false");
  return v.get<bool>();
}

double as_number(const YAML::Node& n, const std::string& where) {
  const json v = n.IsScalar() ? to_json(n) : json();
  if (!v.is_number()) throw UserError(where + ": expected a number");
  return v.get<double>();
}

// Whether the Jinja engine drops a template's final newline (Jinja's default); lm-eval keeps it
// (keep_trailing_newline=True), so such templates get the newline back.
bool engine_drops_trailing_newline() {
  static const bool drops = [] {
    try {
      return templates::Template::parse("x\n", "<probe>", false, false)->render(json::object()) == "x";
    } catch (...) {
      return true;
    }
  }();
  return drops;
}

bool looks_like_jinja(const std::string& s) {
  return s.find("{{") != std::string::npos || s.find("{%") != std::string::npos ||
         s.find("{#") != std::string::npos;
}

const std::set<std::string> kFormatKeys = {"template", "template_field", "fields", "bind",
                                           "replace",  "extra",          "strip",  "suffix"};

TextRule compile_text(const YAML::Node& node, const std::string& where, bool allow_list, bool allow_int) {
  TextRule rule;
  rule.origin = where;
  if (is_null(node)) return rule;
  if (node.Tag() == "!function") {
    throw UserError(where + ": '!function' (Python code) is not supported; use a field name, a Jinja template "
                            "or a format mapping (see docs/tasks.md)");
  }
  if (node.IsSequence()) {
    if (!allow_list) throw UserError(where + ": expected a string or a mapping, not a list");
    rule.kind = TextRule::Kind::kList;
    rule.list = to_json(node);
    for (auto& item : rule.list) {
      if (item.is_array() || item.is_object()) throw UserError(where + ": list items must be strings");
      if (!item.is_string()) item = templates::python_str(item);
    }
    return rule;
  }
  if (node.IsMap()) {
    auto f = std::make_shared<FormatRule>();
    bool has_bind = false;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string k = it->first.as<std::string>();
      const std::string kw = located(where.substr(0, where.find(": key")), it->first.Mark().line + 1,
                                     "key '" + k + "'");
      if (!kFormatKeys.count(k)) {
        throw UserError(kw + ": unknown key in a format mapping (expected: " + join_names(kFormatKeys) + ")");
      }
      const YAML::Node& v = it->second;
      if (k == "replace") {
        if (!v.IsSequence()) throw UserError(kw + ": expected a list of [old, new] pairs");
        for (const auto& pair : v) {
          if (!pair.IsSequence() || pair.size() != 2) throw UserError(kw + ": expected a list of [old, new] pairs");
          f->replace.emplace_back(pair[0].as<std::string>(), pair[1].as<std::string>());
        }
      } else if (k == "extra") {
        if (!v.IsMap()) throw UserError(kw + ": expected a mapping of field names to values");
        f->extra = to_json(v);
      } else {
        if (!v.IsScalar()) throw UserError(kw + ": expected a string");
        const std::string s = v.Scalar();
        if (k == "template") f->template_text = s;
        else if (k == "template_field") f->template_field = s;
        else if (k == "fields") f->fields = s;
        else if (k == "bind") f->bind = s, has_bind = true;
        else if (k == "suffix") f->suffix = s;
        else if (k == "strip") {
          if (s == "both") f->strip_left = f->strip_right = true;
          else if (s == "left") f->strip_left = true;
          else if (s == "right") f->strip_right = true;
          else if (s != "none") throw UserError(kw + ": expected none, both, left or right, got '" + s + "'");
        }
      }
    }
    if (bool(node["template"]) == bool(node["template_field"])) {
      throw UserError(where + ": a format mapping needs exactly one of 'template' or 'template_field'");
    }
    if (!has_bind) f->bind = f->fields;
    if (node["template"]) {
      std::string t = f->template_text;
      for (const auto& [from, to] : f->replace) t = replace_all(t, from, to);
      try {
        f->literal = templates::PyFormat::parse(t);
      } catch (const templates::PyFormatError& e) {
        throw UserError(where + ": template: " + e.what());
      }
    }
    rule.kind = TextRule::Kind::kFormat;
    rule.format = std::move(f);
    return rule;
  }
  const json v = to_json(node);
  if (allow_int && v.is_number_integer()) {
    rule.kind = TextRule::Kind::kInt;
    rule.int_value = v.get<int>();
    return rule;
  }
  rule.source = node.Scalar();
  if (looks_like_jinja(rule.source)) {
    rule.kind = TextRule::Kind::kJinja;
    std::string source = rule.source;
    if (!source.empty() && source.back() == '\n' && engine_drops_trailing_newline()) source += '\n';
    rule.jinja = templates::Template::parse(source, where, false, false);
  } else {
    rule.kind = TextRule::Kind::kFieldOrLiteral;
  }
  return rule;
}

const std::set<std::string> kTopKeys = {
    "task",          "tag",
    "dataset_path",  "dataset_name",
    "dataset_kwargs", "training_split",
    "validation_split", "test_split",
    "fewshot_split", "doc_to_text",
    "doc_to_target", "doc_to_choice",
    "prompts",       "target_delimiter",
    "fewshot_delimiter", "description",
    "num_fewshot",   "fewshot_config",
    "output_type",   "generation_kwargs",
    "repeats",       "filter_list",
    "metric_list",   "metadata",
    "should_decontaminate", "doc_to_decontamination_query",
    "process_results", "process_docs"};

const std::set<std::string> kFewshotKeys = {"sampler",     "same_field",    "doc_to_text_without_instruction",
                                            "query",       "doc_to_text",   "doc_to_target",
                                            "split",       "doc_to_text_without_target"};

// MERA metrics whose implementation is pending in metrics/ (the MERA metrics work): task YAMLs may name
// them; the evaluator reports them as not computed until they are registered.
const std::set<std::string> kPendingMeraMetrics = {"use_grade_norm", "ruethics_mcc", "pass_at_k_exec"};

const std::set<std::string> kGenKeys = {"until", "max_gen_toks", "do_sample", "temperature", "top_p"};

std::vector<std::string> string_list(const Entry& e, const std::string& key) {
  std::vector<std::string> out;
  if (e.value.IsScalar()) out.push_back(e.value.Scalar());
  else if (e.value.IsSequence())
    for (const auto& n : e.value) {
      if (!n.IsScalar()) throw UserError(e.where(key) + ": expected a string or a list of strings");
      out.push_back(n.Scalar());
    }
  else if (!is_null(e.value))
    throw UserError(e.where(key) + ": expected a string or a list of strings");
  return out;
}

void parse_filters(const Entry& e, TaskConfig& c, TaskRules& rules) {
  if (is_null(e.value)) return;
  if (!e.value.IsSequence()) throw UserError(e.where("filter_list") + ": expected a list of {name, filter}");
  for (const auto& item : e.value) {
    const std::string w = located(e.file, item.Mark().line + 1, "key 'filter_list'");
    if (!item.IsMap()) throw UserError(w + ": expected a mapping with 'name' and 'filter'");
    FilterPipelineSpec spec;
    for (auto it = item.begin(); it != item.end(); ++it) {
      const std::string k = it->first.as<std::string>();
      if (k != "name" && k != "filter") {
        throw UserError(located(e.file, it->first.Mark().line + 1, "key 'filter_list': unknown key '" + k +
                                                                       "' (expected: name, filter)"));
      }
    }
    if (!item["name"] || !item["name"].IsScalar()) throw UserError(w + ": missing 'name'");
    spec.name = item["name"].Scalar();
    const YAML::Node steps = item["filter"];
    if (!steps || !steps.IsSequence()) throw UserError(w + ": 'filter' must be a list of {function, ...}");
    for (const auto& s : steps) {
      const std::string sw = located(e.file, s.Mark().line + 1, "key 'filter_list'");
      if (!s.IsMap() || !s["function"] || !s["function"].IsScalar()) {
        throw UserError(sw + ": each filter step needs 'function'");
      }
      if (s["function"].Tag() == "!function") {
        throw UserError(sw + ": '!function' (Python code) is not supported as a filter");
      }
      FilterStep step;
      step.function = s["function"].Scalar();
      for (auto it = s.begin(); it != s.end(); ++it) {
        const std::string k = it->first.as<std::string>();
        if (k != "function") step.args[k] = to_json(it->second);
      }
      spec.steps.push_back(std::move(step));
    }
    rules.filters[spec.name] = FilterPipeline::compile(spec, w);
    c.filter_list.push_back(std::move(spec));
  }
}

void parse_metrics(const Entry& e, TaskConfig& c) {
  if (is_null(e.value)) return;
  if (!e.value.IsSequence()) throw UserError(e.where("metric_list") + ": expected a list of {metric, ...}");
  for (const auto& item : e.value) {
    const std::string w = located(e.file, item.Mark().line + 1, "key 'metric_list'");
    if (!item.IsMap() || !item["metric"] || !item["metric"].IsScalar()) {
      throw UserError(w + ": each entry needs 'metric'");
    }
    MetricSpec m;
    m.metric = item["metric"].Scalar();
    if (item["metric"].Tag() == "!function") throw UserError(w + ": '!function' metrics are not supported");
    if (!metrics::metric_exists(m.metric) && !kPendingMeraMetrics.count(m.metric)) {
      throw UserError(w + ": unknown metric '" + m.metric + "' (closest: " +
                      join_names(closest_names(m.metric, metrics::metric_names())) + ")");
    }
    for (auto it = item.begin(); it != item.end(); ++it) {
      const std::string k = it->first.as<std::string>();
      const std::string kw = located(e.file, it->first.Mark().line + 1, "key 'metric_list'");
      if (k == "metric") continue;
      if (k == "aggregation") {
        if (it->second.Tag() == "!function") throw UserError(kw + ": '!function' aggregations are not supported");
        m.aggregation = it->second.Scalar();
      } else if (k == "higher_is_better") {
        m.higher_is_better = as_bool(it->second, kw + ": 'higher_is_better'");
      } else if (k == "kwargs") {
        if (!it->second.IsMap()) throw UserError(kw + ": 'kwargs' must be a mapping");
        const json kwargs = to_json(it->second);
        for (auto kv = kwargs.begin(); kv != kwargs.end(); ++kv) m.kwargs[kv.key()] = kv.value();
      } else {
        m.kwargs[k] = to_json(it->second);  // lm-eval passes extra keys to the metric as kwargs
      }
    }
    c.metric_list.push_back(std::move(m));
  }
}

void parse_generation(const Entry& e, TaskConfig& c) {
  if (is_null(e.value)) return;
  if (!e.value.IsMap()) throw UserError(e.where("generation_kwargs") + ": expected a mapping");
  GenerationKwargs& g = c.generation_kwargs;
  bool has_until = false, has_temperature = false;
  for (auto it = e.value.begin(); it != e.value.end(); ++it) {
    const std::string k = it->first.as<std::string>();
    const std::string w = located(e.file, it->first.Mark().line + 1, "key 'generation_kwargs." + k + "'");
    const YAML::Node& v = it->second;
    if (k == "until") {
      has_until = true;
      g.until = string_list(Entry{v, e.file, it->first.Mark().line + 1}, "generation_kwargs.until");
    } else if (k == "max_gen_toks") {
      g.max_gen_toks = int(as_int(Entry{v, e.file, it->first.Mark().line + 1}, "generation_kwargs.max_gen_toks", 1));
    } else if (k == "do_sample") {
      g.do_sample = as_bool(v, w);
    } else if (k == "temperature") {
      g.temperature = as_number(v, w);
      has_temperature = true;
    } else if (k == "top_p") {
      g.top_p = as_number(v, w);
    } else {
      g.extra[k] = to_json(v);
    }
  }
  if (!has_until) g.until = {c.fewshot_delimiter};
  if (g.do_sample && !has_temperature) g.temperature = 1.0;
  if (!g.do_sample) g.temperature = 0.0;  // greedy whatever the temperature says (as HF generate does)
}

}  // namespace

TaskConfig load_task_config(const fs::path& file) {
  std::vector<fs::path> chain;
  const Merged merged = load_merged(file, chain, "");
  TaskConfig c;
  auto rules = std::make_shared<TaskRules>();
  c.source_file = file;
  rules->yaml_dir = file.parent_path();
  c.raw = json::object();
  auto find = [&](const std::string& key) -> const Entry* {
    for (const auto& [k, e] : merged)
      if (k == key) return &e;
    return nullptr;
  };
  for (const auto& [key, e] : merged) {
    if (!kTopKeys.count(key)) {
      throw UserError(located(e.file, e.line, "unknown key '" + key + "' (closest: " +
                                                  join_names(closest_names(key, kTopKeys)) + ")"));
    }
    no_function(e, key);
    c.raw[key] = to_json(e.value);
  }
  const Entry* task = find("task");
  if (!task) throw UserError(display(file) + ": missing key 'task' (the task name)");
  c.task = as_string(*task, "task");
  c.source_line = task->line;
  if (c.task.empty()) throw UserError(task->where("task") + ": expected a non-empty name");

  if (const Entry* e = find("tag")) c.tags = string_list(*e, "tag");
  auto str = [&](const char* key, std::string& out) {
    if (const Entry* e = find(key); e && !is_null(e->value)) out = as_string(*e, key);
  };
  str("dataset_path", c.dataset_path);
  str("dataset_name", c.dataset_name);
  str("training_split", c.training_split);
  str("validation_split", c.validation_split);
  str("test_split", c.test_split);
  str("fewshot_split", c.fewshot_split);
  str("target_delimiter", c.target_delimiter);
  str("fewshot_delimiter", c.fewshot_delimiter);
  if (c.test_split.empty() && c.validation_split.empty()) {
    const Entry* e = find("task");
    throw UserError(e->where("task") + ": task '" + c.task + "' has neither test_split nor validation_split");
  }
  if (const Entry* e = find("dataset_kwargs"); e && !is_null(e->value)) {
    if (!e->value.IsMap()) throw UserError(e->where("dataset_kwargs") + ": expected a mapping");
    for (auto it = e->value.begin(); it != e->value.end(); ++it) {
      const std::string k = it->first.as<std::string>();
      if (k != "data_files") {
        throw UserError(located(e->file, it->first.Mark().line + 1,
                                "key 'dataset_kwargs." + k + "': only data_files is supported"));
      }
      const YAML::Node& v = it->second;
      if (v.IsScalar()) rules->data_files["train"] = v.Scalar();
      else if (v.IsMap())
        for (auto f = v.begin(); f != v.end(); ++f) rules->data_files[f->first.as<std::string>()] = f->second.as<std::string>();
      else
        throw UserError(e->where("dataset_kwargs.data_files") + ": expected a path or a split -> path mapping");
    }
    // Data files are relative to the file that names them.
    rules->yaml_dir = fs::path(e->file).parent_path();
  }
  if (const Entry* e = find("output_type"); e && !is_null(e->value)) {
    const std::string t = as_string(*e, "output_type");
    if (t == "multiple_choice") c.output_type = OutputType::kMultipleChoice;
    else if (t == "loglikelihood") c.output_type = OutputType::kLoglikelihood;
    else if (t == "loglikelihood_rolling") c.output_type = OutputType::kLoglikelihoodRolling;
    else if (t == "generate_until") c.output_type = OutputType::kGenerateUntil;
    else
      throw UserError(e->where("output_type") + ": expected one of multiple_choice, loglikelihood, "
                                                "loglikelihood_rolling, generate_until; got '" + t + "'");
  }
  auto text = [&](const char* key, TextRule& rule, std::string& display_out, bool list, bool integer) {
    const Entry* e = find(key);
    if (!e) return;
    rule = compile_text(e->value, e->where(key), list, integer);
    if (rule.kind == TextRule::Kind::kFieldOrLiteral || rule.kind == TextRule::Kind::kJinja) display_out = rule.source;
    else if (rule.kind == TextRule::Kind::kInt) display_out = std::to_string(rule.int_value);
    else if (rule.set()) display_out = to_json(e->value).dump();
  };
  text("doc_to_text", rules->doc_to_text, c.doc_to_text, false, false);
  text("doc_to_target", rules->doc_to_target, c.doc_to_target, false, true);
  text("doc_to_choice", rules->doc_to_choice, c.doc_to_choice, true, false);
  if (rules->doc_to_choice.kind == TextRule::Kind::kList) c.doc_to_choice_list = rules->doc_to_choice.list;
  text("description", rules->description, c.description, false, false);
  c.instruction_field = rules->doc_to_text.kind == TextRule::Kind::kFormat &&
                        !rules->doc_to_text.format->template_field.empty();
  if (const Entry* e = find("prompts"); e && !is_null(e->value)) {
    if (!e->value.IsSequence() || e->value.size() == 0) {
      throw UserError(e->where("prompts") + ": expected a non-empty list of templates");
    }
    for (const auto& item : e->value) {
      const std::string w = located(e->file, item.Mark().line + 1, "key 'prompts'");
      rules->prompts.push_back(compile_text(item, w, false, false));
      c.prompts.push_back(item.IsScalar() ? item.Scalar() : to_json(item).dump());
    }
  }
  if (const Entry* e = find("num_fewshot"); e && !is_null(e->value)) c.num_fewshot = int(as_int(*e, "num_fewshot", 0));
  if (const Entry* e = find("repeats"); e && !is_null(e->value)) c.repeats = int(as_int(*e, "repeats", 1));
  if (const Entry* e = find("fewshot_config"); e && !is_null(e->value)) {
    if (!e->value.IsMap()) throw UserError(e->where("fewshot_config") + ": expected a mapping");
    for (auto it = e->value.begin(); it != e->value.end(); ++it) {
      const std::string k = it->first.as<std::string>();
      const int line = it->first.Mark().line + 1;
      const std::string w = located(e->file, line, "key 'fewshot_config." + k + "'");
      if (!kFewshotKeys.count(k)) {
        throw UserError(w + ": unknown key (closest: " + join_names(closest_names(k, kFewshotKeys)) + ")");
      }
      const YAML::Node& v = it->second;
      if (k == "sampler") {
        if (v.Tag() == "!function") {
          throw UserError(w + ": '!function' samplers are not supported; use first_n, random, same_field or mera");
        }
        const std::string s = v.IsScalar() ? v.Scalar() : "";
        if (s == "default" || s == "random") c.fewshot.sampler = "random";
        else if (s == "first_n" || s == "same_field" || s == "mera" || s == "rutie") c.fewshot.sampler = s;
        else throw UserError(w + ": expected first_n, random (default), same_field, mera or rutie; got '" + s + "'");
      } else if (k == "same_field" || k == "split") {
        if (!v.IsScalar()) throw UserError(w + ": expected a string");
        (k == "split" ? c.fewshot.split : c.fewshot.same_field) = v.Scalar();
      } else if (k == "doc_to_text_without_instruction") {
        rules->fewshot_no_instruction = compile_text(v, w, false, false);
        c.fewshot.doc_to_text_without_instruction = v.IsScalar() ? v.Scalar() : to_json(v).dump();
      } else if (k == "query") {
        rules->fewshot_query = compile_text(v, w, false, false);
        c.fewshot.query = v.IsScalar() ? v.Scalar() : to_json(v).dump();
      } else if (k == "doc_to_text") {
        rules->fewshot_doc_to_text = compile_text(v, w, false, false);
      } else if (k == "doc_to_text_without_target") {
        rules->fewshot_no_target = compile_text(v, w, false, false);
      } else if (k == "doc_to_target") {
        rules->fewshot_doc_to_target = compile_text(v, w, false, true);
      }
    }
    if (c.fewshot.sampler == "same_field" && c.fewshot.same_field.empty()) {
      throw UserError(e->where("fewshot_config") + ": sampler same_field needs 'same_field' (e.g. meta.domain)");
    }
  }
  if (c.fewshot.split.empty()) c.fewshot.split = c.fewshot_split;
  if (const Entry* e = find("generation_kwargs")) parse_generation(*e, c);
  else if (c.output_type == OutputType::kGenerateUntil) c.generation_kwargs.until = {c.fewshot_delimiter};
  if (const Entry* e = find("filter_list")) parse_filters(*e, c, *rules);
  if (c.filter_list.empty()) {
    FilterPipelineSpec none{"none", {FilterStep{"take_first", json::object()}}};
    rules->filters["none"] = FilterPipeline::compile(none, display(file));
    c.filter_list.push_back(none);
  }
  if (const Entry* e = find("metric_list")) parse_metrics(*e, c);
  if (const Entry* e = find("metadata"); e && !is_null(e->value)) {
    if (!e->value.IsMap()) throw UserError(e->where("metadata") + ": expected a mapping");
    if (const YAML::Node v = e->value["version"]) c.version = as_number(v, e->where("metadata.version"));
  }
  if (const Entry* e = find("process_results"); e && !is_null(e->value)) {
    throw UserError(e->where("process_results") + ": custom process_results is not supported; use metric_list "
                                                  "(e.g. kwargs group_by: meta.domain)");
  }
  if (const Entry* e = find("process_docs"); e && !is_null(e->value)) {
    throw UserError(e->where("process_docs") + ": custom process_docs is not supported");
  }
  // What each output type needs.
  if (!rules->doc_to_text.set() && rules->prompts.empty()) {
    throw UserError(task->where("task") + ": task '" + c.task + "' needs doc_to_text or prompts");
  }
  if (c.output_type == OutputType::kMultipleChoice && !rules->doc_to_choice.set()) {
    throw UserError(task->where("task") + ": multiple_choice task '" + c.task + "' needs doc_to_choice");
  }
  if (!rules->doc_to_target.set() && c.output_type != OutputType::kGenerateUntil) {
    throw UserError(task->where("task") + ": task '" + c.task + "' needs doc_to_target");
  }
  c.rules = std::move(rules);
  return c;
}

bool is_pending_mera_metric(const std::string& name) { return kPendingMeraMetrics.count(name) > 0; }

}  // namespace evalrun::tasks
