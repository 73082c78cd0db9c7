#include "submissions/code_results.h"

#include "common/errors.h"
#include "metrics/code_sandbox.h"

namespace evalrun::submissions {
namespace {

using nlohmann::json;
constexpr const char* kMarker = "@@evalrun-mera-results@@";

// Follows benchmark_tasks/ruhumaneval/utils.py: strip a ```python fence, exec the function + completion
// with output swallowed and a 3 s alarm, then call the entry point on every test's kwargs outside the
// alarm; each result is str(value), or None when the call raised; if exec itself fails every test is
// None. exec gets separate globals and locals, as MERA's exec inside a function does.
constexpr const char* kProgram = R"PY(
import ast, io, json, signal, sys, contextlib
program = json.loads(PROGRAM_JSON)
completion = json.loads(COMPLETION_JSON)
tests = ast.literal_eval(json.loads(TESTS_JSON))
entry_point = json.loads(ENTRY_JSON)
if len(completion) and completion[0] not in (" ", "\n", "\t"):
    begin = completion[0] * 3 + "python"
    end = completion[0] * 3
    if completion.startswith(begin) and completion.endswith(end):
        completion = completion[len(begin):-len(end)]
source = program + completion
def on_alarm(signum, frame):
    raise TimeoutError("Timed out!")
sink = io.StringIO()
real_out = sys.stdout
scope_globals, scope_locals = {"__builtins__": __builtins__}, {}
try:
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, 3.0)
        try:
            exec(source, scope_globals, scope_locals)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        res = []
        for test in tests:
            try:
                value = scope_locals[entry_point](**test)
                if value is not None:
                    value = str(value)
            except Exception:
                value = None
            res.append(value)
except Exception:
    res = [None] * len(tests)
real_out.write(MARKER + json.dumps(res) + "\n")
real_out.flush()
)PY";

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size()))
    text.replace(pos, from.size(), to);
  return text;
}

std::string py_literal(const std::string& s) {
  // A Python string literal holding the JSON text of s (json.loads turns it back).
  return json(json(s).dump()).dump();
}

}  // namespace

std::string code_program(const json& doc, const std::string& completion) {
  const json& inputs = doc.at("inputs");
  std::string program = kProgram;
  program = replace_all(program, "PROGRAM_JSON", py_literal(inputs.at("function").get<std::string>()));
  program = replace_all(program, "COMPLETION_JSON", py_literal(completion));
  program = replace_all(program, "TESTS_JSON", py_literal(inputs.at("tests").get<std::string>()));
  program = replace_all(program, "ENTRY_JSON", py_literal(doc.at("meta").at("entry_point").get<std::string>()));
  program = replace_all(program, "MARKER", json(kMarker).dump());
  return program;
}

std::vector<json> code_results(const MeraTask& task, const std::vector<json>& records) {
  std::vector<json> out(records.size());
  std::vector<std::string> programs;
  std::vector<std::pair<size_t, size_t>> slots;  // (record, generation)
  for (size_t i = 0; i < records.size(); ++i) {
    const json& rec = records[i];
    if (rec.contains("code_results")) {
      if (!rec["code_results"].is_array())
        throw UserError("samples of " + task.src + ", doc_id " + rec.value("doc_id", json()).dump() +
                        ": 'code_results' is not a list");
      out[i] = rec["code_results"];
      continue;
    }
    const json& doc = rec.at("doc");
    if (!doc.contains("inputs") || !doc["inputs"].contains("function") || !doc["inputs"].contains("tests") ||
        !doc.contains("meta") || !doc["meta"].contains("entry_point"))
      throw UserError("samples of " + task.src + ", doc_id " + rec.value("doc_id", json()).dump() +
                      ": the document lacks inputs.function, inputs.tests or meta.entry_point");
    const json& f = rec.value("filtered_resps", json::array());
    std::vector<std::string> gens;
    if (f.is_string()) gens.push_back(f.get<std::string>());
    else
      for (const auto& g : f) gens.push_back(g.is_string() ? g.get<std::string>() : g.dump());
    out[i] = json::array();
    for (size_t g = 0; g < gens.size(); ++g) {
      programs.push_back(code_program(doc, gens[g]));
      slots.emplace_back(i, g);
      out[i].push_back(nullptr);
    }
  }
  if (programs.empty()) return out;
  metrics::SandboxLimits limits;
  limits.wall_seconds = 10.0;
  metrics::CodeSandbox sandbox(limits);
  const auto results = sandbox.run_many(programs, 2);
  for (size_t k = 0; k < results.size(); ++k) {
    const std::string& text = results[k].output;
    const size_t pos = text.rfind(kMarker);
    json value = "timed out";  // MERA's value when the child left no result
    if (pos != std::string::npos) {
      const size_t start = pos + std::string(kMarker).size();
      const size_t end = text.find('\n', start);
      try {
        value = json::parse(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
      } catch (const json::exception&) {
      }
    }
    out[slots[k].first][slots[k].second] = value;
  }
  return out;
}

}  // namespace evalrun::submissions
