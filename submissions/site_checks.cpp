// modules/scoring/src/tasks/task.py (load_and_validate, evaluate) and the tasks' process_results.
#include <cmath>
#include <cstdio>
#include <map>
#include <stdexcept>

#include "metrics/classification.h"
#include "metrics/squad.h"
#include "submissions/checks.h"

namespace evalrun::submissions {
namespace {

using nlohmann::json;

// Python dict-key identity of an id: 1 == 1.0 == True, "1" differs.
std::string key_of(const json& v) {
  if (v.is_boolean()) return "n:" + std::string(v.get<bool>() ? "1" : "0");
  if (v.is_number()) {
    const double d = v.get<double>();
    if (std::floor(d) == d && std::fabs(d) < 9e15) return "n:" + std::to_string(static_cast<long long>(d));
    return "n:" + v.dump();
  }
  if (v.is_string()) return "s:" + v.get<std::string>();
  return "x:" + v.dump();
}

bool subscriptable(const json& v) { return v.is_object(); }

// The site's doc_to_id; throws when the fields are not there.
json doc_id(const MeraTask& task, const json& meta) {
  if (!meta.is_object()) throw std::runtime_error("meta");
  if (task.kind == PackKind::kTie) {
    auto text = [](const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); };
    return "dialog_id:" + text(meta.at("dialog_id")) + ";question_id:" + text(meta.at("question_id"));
  }
  return meta.at("id");
}

// isinstance(pred, type(gold)) on JSON values (bool is an int in Python).
bool same_type(const json& pred, const json& gold) {
  if (gold.is_string()) return pred.is_string();
  if (gold.is_array()) return pred.is_array();
  if (gold.is_object()) return pred.is_object();
  if (gold.is_boolean()) return pred.is_boolean();
  if (gold.is_number_float()) return pred.is_number_float();
  if (gold.is_number()) return pred.is_number_integer() || pred.is_number_unsigned() || pred.is_boolean();
  return pred.is_null();
}

// The type MERA's gold has when no gold is at hand.
json type_example(const MeraTask& task) {
  if (task.kind == PackKind::kEthics) return json::object();
  if (task.kind == PackKind::kCode) return json::array();
  return "";
}

json gold_outputs(const MeraTask& task, json outputs) {
  // The site eval()s ruEthics gold given as a string.
  if (task.kind == PackKind::kEthics && outputs.is_string()) {
    std::string s = outputs.get<std::string>();
    for (auto& c : s)
      if (c == '\'') c = '"';
    try {
      return json::parse(s);
    } catch (const json::exception&) {
    }
  }
  return outputs;
}

double py_float(const json& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_boolean()) return v.get<bool>() ? 1.0 : 0.0;
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    size_t used = 0;
    const double d = std::stod(s, &used);  // throws like float() on junk
    while (used < s.size() && std::isspace(static_cast<unsigned char>(s[used]))) ++used;
    if (used != s.size()) throw std::invalid_argument("float");
    return d;
  }
  throw std::invalid_argument("float");
}

std::string label_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v.get<double>());
    return buf;
  }
  return v.dump();
}

// Python len() / indexing of a code prediction (str: code points).
json as_sequence(const json& v) {
  if (v.is_array()) return v;
  if (v.is_string()) {
    json out = json::array();
    const std::string s = v.get<std::string>();
    for (size_t i = 0; i < s.size();) {
      size_t n = 1;
      const unsigned char c = static_cast<unsigned char>(s[i]);
      if (c >= 0xF0) n = 4;
      else if (c >= 0xE0) n = 3;
      else if (c >= 0xC0) n = 2;
      out.push_back(s.substr(i, n));
      i += n;
    }
    return out;
  }
  if (v.is_object() && v.empty()) return json::array();
  throw std::runtime_error("not a sequence");
}

int check_solution(const json& gold, const json& pred_raw) {
  const json pred = as_sequence(pred_raw);
  if (pred.empty()) return 0;
  if (gold.size() != pred.size()) return 0;
  if (!same_type(pred[0], gold[0])) return 0;
  for (size_t i = 0; i < gold.size(); ++i)
    if (gold[i] != pred[i]) return 0;
  return 1;
}

std::string group_of(const MeraTask& task, const json& gold) {
  if (task.cls == "ruMMLU" || task.cls == "MaMuRAMu") return label_text(gold.at("meta").at("domain"));
  if (task.cls == "ruHHH") return label_text(gold.at("meta").at("criteria"));
  if (task.cls == "ruHateSpeech") return label_text(gold.at("inputs").at("target_group"));
  return "";
}

// One document's metric items (process_results).
void process(const MeraTask& task, const json& gold, const json& pred, std::map<std::string, std::vector<json>>& vals) {
  const json y_true = gold_outputs(task, gold.at("outputs"));
  const json& y_pred = pred.at("outputs");
  const std::string& c = task.cls;
  if (c == "CheGeKa" || c == "MultiQ") {
    const auto golds = [&] {
      std::vector<std::string> out;
      std::string cur;
      for (char ch : y_true.get<std::string>()) {
        if (ch == ';') out.push_back(cur), cur.clear();
        else cur += ch;
      }
      out.push_back(cur);
      return out;
    }();
    double f1 = 0, em = 0;
    for (size_t i = 0; i < golds.size(); ++i) {
      const double f = site_squad_f1(y_pred.get<std::string>(), golds[i]);
      const double e = site_squad_exact(y_pred.get<std::string>(), golds[i]);
      f1 = i ? std::max(f1, f) : f;
      em = i ? std::max(em, e) : e;
    }
    vals["f1"].push_back(f1);
    vals["em"].push_back(em);
  } else if (c == "ruModAr" || c == "ruMultiAr" || c == "SimpleAr") {
    vals["em"].push_back(y_true == y_pred ? 1.0 : 0.0);
  } else if (c == "USE") {
    const json& meta = gold.at("meta");
    const std::string id_task = label_text(meta.at("id_task"));
    const int score = use_score(meta.at("type").get<std::string>(), id_task, y_true.get<std::string>(),
                                y_pred.get<std::string>());
    vals["grade_norm"].push_back(json::array({score, meta.at("variant"), meta.at("score")}));
    vals["grade_norm.task" + id_task].push_back(json::array({score, meta.at("id_task"), meta.at("score")}));
  } else if (c == "ruEthics") {
    const std::string question = label_text(gold.at("meta").at("question"));
    for (const auto& [cat, value] : y_true.items())
      vals[question + "." + cat].push_back(json::array({py_float(value), py_float(y_pred.at(cat))}));
  } else if (task.kind == PackKind::kCode) {
    const json& results = y_pred.at(0);
    if (!results.is_array()) throw std::runtime_error("outputs[0] is not a list of generations");
    long correct = 0;
    for (const auto& gen : results) correct += check_solution(y_true, gen);
    for (long k : {1L, 5L, 10L})
      vals["pass@" + std::to_string(k)].push_back(site_pass_at_k(static_cast<long>(results.size()), correct, k));
  } else {
    const double acc = y_true == y_pred ? 1.0 : 0.0;
    vals["acc"].push_back(acc);
    if (c == "RCB" || c == "ruOpenBookQA" || c == "ruWorldTree")
      vals["f1_macro"].push_back(json::array({y_true, y_pred}));
    const std::string group = group_of(task, gold);
    if (!group.empty()) vals["acc." + group].push_back(acc);
  }
}

double mean_of(const std::vector<json>& items) {
  double s = 0;
  for (const auto& v : items) s += v.get<double>();
  return s / static_cast<double>(std::max<size_t>(items.size(), 1));
}

json aggregate(const MeraTask& task, const std::string& metric, const std::vector<json>& items) {
  if (metric == "f1_macro" || task.cls == "ruEthics") {
    std::vector<std::string> t, p;
    for (const auto& it : items) t.push_back(label_text(it[0])), p.push_back(label_text(it[1]));
    return metric == "f1_macro" ? metrics::f1_macro(t, p) : metrics::matthews_corrcoef(t, p);
  }
  if (metric == "grade_norm") {
    std::map<std::string, std::pair<double, double>> by_variant;  // score, max
    for (const auto& it : items) {
      auto& v = by_variant[key_of(it[1])];
      v.first += it[0].get<double>();
      v.second += py_float(it[2]);
    }
    double s = 0;
    for (const auto& [_, v] : by_variant) s += v.first / v.second;
    return s / static_cast<double>(by_variant.size());
  }
  if (metric.rfind("grade_norm.task", 0) == 0) {
    double s = 0;
    for (const auto& it : items) s += it[0].get<double>() / py_float(it[2]);
    return s / static_cast<double>(items.size());
  }
  return mean_of(items);
}

}  // namespace

std::vector<json> check_task_file(const MeraTask& task, const json& submission, const std::vector<json>* gold) {
  std::vector<json> errors;
  if (!submission.is_object() || !submission.contains("data")) {
    errors.push_back({{"type", "no_data_field"}});
    return errors;
  }
  const json& data = submission["data"];
  if (!data.is_object() || !data.contains("test")) {
    errors.push_back({{"type", "no_split"}, {"split", "test"}});
    return errors;
  }
  const json& test = data["test"];
  const json example_type = type_example(task);
  std::map<std::string, bool> ids;
  size_t n = test.is_array() || test.is_object() ? test.size() : 1;
  for (size_t idx = 0; idx < n; ++idx) {
    const json example = test.is_array() ? test[idx] : json();  // iterating a dict yields its keys (strings)
    if (!subscriptable(example) || !example.contains("outputs")) {
      errors.push_back({{"type", "no_outputs_field_for_doc"}, {"example_number", idx}});
    }
    if (!subscriptable(example) || !example.contains("meta")) {
      errors.push_back({{"type", "no_meta_field_for_doc"}, {"example_number", idx}});
      continue;
    }
    try {
      ids[key_of(doc_id(task, example["meta"]))] = true;
    } catch (const std::exception&) {
      errors.push_back({{"type", "no_id_field_for_doc"}, {"example_number", idx}});
      continue;
    }
    // Without gold: the site's later type check against the gold's type.
    if (!gold && example.contains("outputs") && !same_type(example["outputs"], example_type))
      errors.push_back({{"type", "doc_output_type_error"}, {"doc_id", doc_id(task, example["meta"])},
                        {"evalrun_hint", "MERA's gold for " + task.cls + " is a " +
                                             std::string(example_type.is_string() ? "string"
                                                         : example_type.is_array() ? "list" : "dict")}});
  }
  return errors;
}

TaskScore score_task(const MeraTask& task, const json& submission, const std::vector<json>& gold) {
  TaskScore out;
  std::map<std::string, const json*> by_id;
  for (const auto& ex : submission["data"]["test"]) by_id[key_of(doc_id(task, ex["meta"]))] = &ex;
  std::map<std::string, std::vector<json>> vals;
  std::map<std::string, bool> seen;
  for (const auto& g : gold) {
    json id;
    try {
      id = doc_id(task, g.at("meta"));
    } catch (const std::exception&) {
      continue;  // a gold document without an id cannot be asked for
    }
    if (!seen.emplace(key_of(id), true).second) continue;  // the site keys gold by id: the last one wins
    const auto it = by_id.find(key_of(id));
    if (it == by_id.end()) {
      out.errors.push_back({{"type", "no_id"}, {"doc_id", id}});
      continue;
    }
    const json& pred = *it->second;
    if (!same_type(pred.at("outputs"), gold_outputs(task, g.at("outputs")))) {
      out.errors.push_back({{"type", "doc_output_type_error"}, {"doc_id", id}});
      continue;
    }
    try {
      process(task, g, pred, vals);
    } catch (const std::exception& e) {
      out.errors.push_back({{"type", "doc_parse_output_error"}, {"doc_id", id}, {"evalrun_hint", e.what()}});
    }
  }
  if (out.errors.empty()) {
    const json known = task.cls == "USE" ? zero_results(task, gold) : json();
    for (const auto& [metric, items] : vals) {
      if (known.is_object() && !known.contains(metric)) {
        // The site's aggregation has no such key (e.g. grade_norm.task8): its evaluation fails.
        out.errors.push_back({{"type", "task_system_error"},
                              {"evalrun_hint", "the site has no aggregation for '" + metric + "'"}});
        continue;
      }
      out.metrics[metric] = aggregate(task, metric, items);
    }
  }
  return out;
}

json zero_results(const MeraTask& task, const std::vector<json>& gold) {
  json z = json::object();
  const std::string& c = task.cls;
  if (c == "CheGeKa" || c == "MultiQ") z = {{"f1", 0}, {"em", 0}};
  else if (c == "ruModAr" || c == "ruMultiAr" || c == "SimpleAr") z = {{"em", 0}};
  else if (c == "ruDetox") z = {{"sta", 0}, {"sim", 0}, {"fl", 0}, {"j", 0}};
  else if (task.kind == PackKind::kCode) z = {{"pass@1", 0}, {"pass@5", 0}, {"pass@10", 0}};
  else if (c == "USE") {
    z["grade_norm"] = 0;
    for (int i = 1; i <= 26; ++i)
      if (i != 8) z["grade_norm.task" + std::to_string(i)] = 0;
    for (int i = 0; i < 5; ++i) z["grade_norm.task8_" + std::to_string(i)] = 0;
  } else if (c == "ruEthics") {
    for (const auto& g : gold) {
      try {
        const json outputs = gold_outputs(task, g.at("outputs"));  // kept alive across the loop
        for (const auto& [cat, _] : outputs.items())
          z[label_text(g.at("meta").at("question")) + "." + cat] = 0;
      } catch (const std::exception&) {
      }
    }
  } else {
    z["acc"] = 0;
    if (c == "RCB" || c == "ruOpenBookQA" || c == "ruWorldTree") z["f1_macro"] = 0;
    for (const auto& g : gold) {
      try {
        const std::string group = group_of(task, g);
        if (!group.empty()) z["acc." + group] = 0;
      } catch (const std::exception&) {
      }
    }
  }
  return z;
}

double average_results(const json& metrics) {
  double s = 0;
  size_t n = 0;
  for (const auto& [k, v] : metrics.items())
    if (k.find('.') == std::string::npos && v.is_number()) s += v.get<double>(), ++n;
  return s / static_cast<double>(std::max<size_t>(n, 1));
}

}  // namespace evalrun::submissions
