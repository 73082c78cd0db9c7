// Task YAML loading: lm-eval keys, includes, prompt pools, and malformed inputs (one-line UserErrors).
#include <functional>

#include <gtest/gtest.h>

#include "common/errors.h"
#include "tasks/task.h"
#include "tests/tasks/test_util.h"

namespace evalrun::tasks {
namespace {

using nlohmann::json;
using testing::TempDir;

const char* kDocs =
    "{\"q\": \"2+2\", \"a\": \"4\", \"label\": 1, \"opts\": [\"3\", \"4\"], \"meta\": {\"id\": 0, \"g\": \"x\"}}\n"
    "{\"q\": \"3+3\", \"a\": \"6\", \"label\": 0, \"opts\": [\"6\", \"7\"], \"meta\": {\"id\": 1, \"g\": \"y\"}}\n"
    "{\"q\": \"1+1\", \"a\": \"2\", \"label\": 1, \"opts\": [\"1\", \"2\"], \"meta\": {\"id\": 2, \"g\": \"x\"}}\n"
    "{\"q\": \"5+5\", \"a\": \"10\", \"label\": 0, \"opts\": [\"10\", \"1\"], \"meta\": {\"id\": 3, \"g\": \"y\"}}\n"
    "{\"q\": \"0+0\", \"a\": \"0\", \"label\": 0, \"opts\": [\"0\", \"9\"], \"meta\": {\"id\": 4, \"g\": \"x\"}}\n";

// Loads the task named in `yaml` (written to dir/task.yaml) and returns the error message, or "" if none.
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

void expect_one_line_error(const std::string& message, std::initializer_list<const char*> parts) {
  ASSERT_FALSE(message.empty()) << "expected a UserError";
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  for (const char* p : parts) EXPECT_NE(message.find(p), std::string::npos) << "'" << p << "' not in: " << message;
}

TEST(TaskConfigTest, LoadsLmEvalKeys) {
  TempDir dir;
  dir.write("data/test.jsonl", kDocs);
  const auto file = dir.write("t.yaml", R"(task: arith
tag: [demo, math]
dataset_path: json
dataset_kwargs:
  data_files:
    test: data/test.jsonl
    train: data/test.jsonl
test_split: test
training_split: train
output_type: multiple_choice
doc_to_text: "Q: {{q}}\nA:"
doc_to_choice: opts
doc_to_target: label
description: "Arithmetic.\n\n"
num_fewshot: 0
metric_list:
  - metric: acc
metadata:
  version: 2.0
)");
  const TaskConfig c = load_task_config(file);
  EXPECT_EQ(c.task, "arith");
  EXPECT_EQ(c.tags, (std::vector<std::string>{"demo", "math"}));
  EXPECT_EQ(c.version, 2.0);
  auto task = make_task(c);
  ASSERT_EQ(task->eval_docs().size(), 5u);
  const Instance inst = task->build(1, PromptOptions{});
  EXPECT_EQ(inst.context, "Arithmetic.\n\nQ: 3+3\nA:");
  EXPECT_EQ(inst.continuations, (std::vector<std::string>{" 6", " 7"}));
  EXPECT_EQ(inst.target, json(0));
}

TEST(TaskConfigTest, GenerateUntilDefaultsAndFirstNShots) {
  TempDir dir;
  dir.write("d/arith/test.jsonl", kDocs);
  dir.write("d/arith/train.jsonl", kDocs);
  const auto file = dir.write("t.yaml", R"(task: arith
test_split: test
training_split: train
output_type: generate_until
doc_to_text: "Q: {{q}}\nA:"
doc_to_target: a
num_fewshot: 2
fewshot_config:
  sampler: first_n
generation_kwargs:
  max_gen_toks: 16
  top_k: 5
repeats: 3
)");
  auto task = make_task(load_task_config(file), dir.path() / "d");
  const Instance inst = task->build(0, PromptOptions{});
  // first_n from train: docs 0 and 1; train doc 0 equals the test doc, and lm-eval drops shots equal
  // to the document (by value), leaving one shot.
  EXPECT_EQ(inst.context, "Q: 3+3\nA: 6\n\nQ: 2+2\nA:");
  EXPECT_EQ(inst.generation.until, (std::vector<std::string>{"\n\n"}));
  EXPECT_EQ(inst.generation.max_tokens, 16);
  EXPECT_EQ(inst.generation.temperature, 0.0);
  EXPECT_EQ(inst.generation.n, 3);
  EXPECT_EQ(inst.generation.extra, json({{"top_k", 5}}));
  EXPECT_EQ(inst.target, json("4"));
}

TEST(TaskConfigTest, SameFieldSamplerDrawsFromTheSameGroup) {
  TempDir dir;
  dir.write("d/t/test.jsonl", kDocs);
  std::string train = kDocs;
  for (char& ch : train) ch = ch == '+' ? '*' : ch;  // different documents, same meta.g groups
  dir.write("d/t/train.jsonl", train);
  const auto file = dir.write("t.yaml", R"(task: t
test_split: test
training_split: train
doc_to_text: q
doc_to_target: a
num_fewshot: 2
fewshot_config:
  sampler: same_field
  same_field: meta.g
)");
  auto task = make_task(load_task_config(file), dir.path() / "d");
  for (size_t d = 0; d < 5; ++d) {
    const auto shots = task->fewshot_indices(d, PromptOptions{});
    ASSERT_EQ(shots.size(), 2u);
    for (size_t s : shots) EXPECT_EQ(task->fewshot_docs()[s]["meta"]["g"], task->eval_docs()[d]["meta"]["g"]);
  }
}

TEST(TaskConfigTest, TestSplitAsPoolDropsTheDocumentItself) {
  TempDir dir;
  dir.write("d/t/test.jsonl", kDocs);
  const auto file = dir.write("t.yaml", R"(task: t
test_split: test
fewshot_split: test
doc_to_text: q
doc_to_target: a
num_fewshot: 2
)");
  auto task = make_task(load_task_config(file), dir.path() / "d");
  for (size_t d = 0; d < 5; ++d) {
    const auto shots = task->fewshot_indices(d, PromptOptions{});
    ASSERT_EQ(shots.size(), 2u);  // k + 1 drawn, the document removed (or the extra one dropped)
    for (size_t s : shots) EXPECT_NE(s, d);
  }
}

TEST(TaskConfigTest, ChatMessagesWithDescriptionAndSystemPrompt) {
  TempDir dir;
  dir.write("d/t/test.jsonl", kDocs);
  dir.write("d/t/train.jsonl", kDocs);
  const auto file = dir.write("t.yaml", R"(task: t
test_split: test
training_split: train
doc_to_text: "Q: {{q}}"
doc_to_target: a
description: "Считай."
num_fewshot: 1
fewshot_config:
  sampler: first_n
)");
  auto task = make_task(load_task_config(file), dir.path() / "d");
  PromptOptions o;
  o.chat = true;
  o.system_prompt = "Ты — калькулятор.";
  Instance one = task->build(3, o);
  ASSERT_EQ(one.messages.size(), 2u);
  EXPECT_EQ(one.messages[0].role, "system");
  EXPECT_EQ(one.messages[0].content, "Ты — калькулятор.\n\nСчитай.");
  EXPECT_EQ(one.messages[1].content, "Q: 2+2 4\n\nQ: 5+5");
  EXPECT_EQ(one.context, "Ты — калькулятор.\n\nСчитай.Q: 2+2 4\n\nQ: 5+5");
  o.fewshot_as_multiturn = true;
  Instance multi = task->build(3, o);
  ASSERT_EQ(multi.messages.size(), 4u);
  EXPECT_EQ(multi.messages[1].content, "Q: 2+2");
  EXPECT_EQ(multi.messages[2].role, "assistant");
  EXPECT_EQ(multi.messages[2].content, "4");
  EXPECT_EQ(multi.messages[3].content, "Q: 5+5");
}

TEST(TaskConfigTest, PromptPoolIsSpreadRoundRobin) {
  TempDir dir;
  dir.write("d/t/test.jsonl", kDocs);
  const auto file = dir.write("t.yaml", R"(task: t
test_split: test
doc_to_target: a
prompts:
  - "Q: {{q}}"
  - "Вопрос: {{q}}"
  - {template: "Сколько будет {q}?", fields: "", bind: q}
)");
  // A format mapping over the whole document: fields "" means the document itself.
  auto task = make_task(load_task_config(file), dir.path() / "d");
  std::vector<std::string> contexts, ids;
  for (size_t i = 0; i < 5; ++i) {
    const Instance inst = task->build(i, PromptOptions{});
    contexts.push_back(inst.context);
    ids.push_back(inst.prompt_id);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"0", "1", "2", "0", "1"}));
  EXPECT_EQ(contexts, (std::vector<std::string>{"Q: 2+2", "Вопрос: 3+3", "Сколько будет 1+1?", "Q: 5+5",
                                                "Вопрос: 0+0"}));
}

TEST(TaskConfigTest, IncludeMergesShallowlyEarlierIncludesWin) {
  TempDir dir;
  dir.write("base1.yaml", "doc_to_text: from_base1\ntarget_delimiter: \"|\"\n");
  dir.write("base2.yaml", "doc_to_text: from_base2\nfewshot_delimiter: \"##\"\ntest_split: test\n");
  const auto file = dir.write("t.yaml", "include: [base1.yaml, base2.yaml]\ntask: t\ndoc_to_target: a\n");
  const TaskConfig c = load_task_config(file);
  EXPECT_EQ(c.doc_to_text, "from_base1");
  EXPECT_EQ(c.target_delimiter, "|");
  EXPECT_EQ(c.fewshot_delimiter, "##");
}

// ---- malformed inputs ------------------------------------------------------------------------

TEST(TaskConfigErrors, YamlSyntaxError) {
  TempDir dir;
  const auto f = dir.write("t.yaml", "task: t\ndoc_to_text: [unclosed\ntest_split: test\n");
  expect_one_line_error(error_of([&] { load_task_config(f); }), {"t.yaml:", "YAML syntax error"});
}

TEST(TaskConfigErrors, UnknownKeyNamesLineAndClosest) {
  TempDir dir;
  const auto f = dir.write("t.yaml", "task: t\ntest_split: test\ndoc_to_txt: q\n");
  expect_one_line_error(error_of([&] { load_task_config(f); }), {"t.yaml:3", "unknown key 'doc_to_txt'", "doc_to_text"});
}

TEST(TaskConfigErrors, IncludeCycleShowsTheChain) {
  TempDir dir;
  dir.write("a.yaml", "include: b.yaml\ntest_split: test\n");
  dir.write("b.yaml", "include: a.yaml\n");
  const auto f = dir.write("t.yaml", "include: a.yaml\ntask: t\ndoc_to_text: q\ndoc_to_target: a\n");
  expect_one_line_error(error_of([&] { load_task_config(f); }),
                        {"b.yaml:1", "include cycle", "t.yaml -> ", "a.yaml -> ", "b.yaml -> ", "a.yaml"});
}

TEST(TaskConfigErrors, MissingIncludedFile) {
  TempDir dir;
  const auto f = dir.write("t.yaml", "task: t\ninclude: nope.yaml\n");
  expect_one_line_error(error_of([&] { load_task_config(f); }), {"t.yaml:2", "included file not found", "nope.yaml"});
}

TEST(TaskConfigErrors, MissingDataFile) {
  TempDir dir;
  const auto f = dir.write("t.yaml", "task: t\ntest_split: test\ndoc_to_text: q\ndoc_to_target: a\n");
  auto task = make_task(load_task_config(f), dir.path() / "nodata");
  expect_one_line_error(error_of([&] { task->eval_docs(); }), {"task 't'", "no data for split 'test'", "nodata"});
}

TEST(TaskConfigErrors, BadJsonlLineNamesFileAndLine) {
  TempDir dir;
  dir.write("d/t/test.jsonl", "{\"q\": \"a\"}\n{\"q\": \"b\",}\n");
  const auto f = dir.write("t.yaml", "task: t\ntest_split: test\ndoc_to_text: q\ndoc_to_target: q\n");
  auto task = make_task(load_task_config(f), dir.path() / "d");
  expect_one_line_error(error_of([&] { task->eval_docs(); }), {"test.jsonl:2", "invalid JSON line"});
}

TEST(TaskConfigErrors, UnknownFilter) {
  TempDir dir;
  const auto f = dir.write("t.yaml", R"(task: t
test_split: test
doc_to_text: q
filter_list:
  - name: get-answer
    filter:
      - function: regexp
)");
  expect_one_line_error(error_of([&] { load_task_config(f); }),
                        {"t.yaml:5", "unknown filter function 'regexp'", "regex"});
}

TEST(TaskConfigErrors, UnknownMetric) {
  TempDir dir;
  const auto f = dir.write("t.yaml", "task: t\ntest_split: test\ndoc_to_text: q\nmetric_list:\n  - metric: acc_typo\n");
  expect_one_line_error(error_of([&] { load_task_config(f); }), {"t.yaml:5", "unknown metric 'acc_typo'"});
}

TEST(TaskConfigErrors, DocMissingTemplateFieldNamesDocAndField) {
  TempDir dir;
  dir.write("d/t/test.jsonl",
            "{\"instruction\": \"{premise}?\", \"inputs\": {\"premise\": \"p\"}, \"outputs\": \"1\", \"meta\": {\"id\": 7}}\n"
            "{\"instruction\": \"{premise} {choice3}?\", \"inputs\": {\"premise\": \"p\"}, \"outputs\": \"1\", \"meta\": {\"id\": 8}}\n");
  const auto f = dir.write("t.yaml", R"(task: t
test_split: test
doc_to_text: {template_field: instruction, fields: inputs}
doc_to_target: outputs
)");
  auto task = make_task(load_task_config(f), dir.path() / "d");
  EXPECT_EQ(task->build(0, PromptOptions{}).context, "p?");
  expect_one_line_error(error_of([&] { task->validate(PromptOptions{}); }),
                        {"task 't'", "test doc 1", "meta.id 8", "choice3", "inputs"});
}

TEST(TaskConfigErrors, BadValuesNameTheKey) {
  TempDir dir;
  auto check = [&](const std::string& yaml, std::initializer_list<const char*> parts) {
    const auto f = dir.write("t.yaml", yaml);
    expect_one_line_error(error_of([&] { load_task_config(f); }), parts);
  };
  check("task: t\ntest_split: test\ndoc_to_text: q\noutput_type: choice\n", {"t.yaml:4", "output_type", "multiple_choice"});
  check("task: t\ntest_split: test\ndoc_to_text: q\nnum_fewshot: -1\n", {"t.yaml:4", "num_fewshot"});
  check("task: t\ntest_split: test\ndoc_to_text: !function utils.f\n", {"t.yaml:3", "!function"});
  check("task: t\ntest_split: test\ndoc_to_text: q\nfilter_list:\n  - name: x\n    filter:\n      - function: regex\n"
        "        regex_pattern: \"(?<=a)b\"\n",
        {"t.yaml:5", "regex_pattern", "RE2"});
  check("task: t\ntest_split: test\ndoc_to_text: q\nfewshot_config:\n  sampler: clever\n", {"t.yaml:5", "sampler"});
  check("task: t\ndoc_to_text: q\n", {"t.yaml:1", "neither test_split nor validation_split"});
  check("task: t\ntest_split: test\ndoc_to_text: {template: \"{a\", fields: x}\n", {"t.yaml:3", "template"});
}

TEST(TaskConfigErrors, FewshotPoolTooSmall) {
  TempDir dir;
  dir.write("d/t/test.jsonl", kDocs);
  dir.write("d/t/train.jsonl", "{\"q\": \"x\", \"a\": \"y\"}\n");
  const auto f = dir.write("t.yaml", "task: t\ntest_split: test\ntraining_split: train\ndoc_to_text: q\n"
                                     "doc_to_target: a\nnum_fewshot: 2\n");
  auto task = make_task(load_task_config(f), dir.path() / "d");
  expect_one_line_error(error_of([&] { task->build(0, PromptOptions{}); }), {"needs 2 few-shot", "'train' pool has 1"});
}

TEST(TaskDataTest, MeraJsonLayoutAndJsonList) {
  TempDir dir;
  dir.write("d/t/task.json", R"({"data": {"train": [{"q": "a", "a": "b"}], "test": [{"q": "c", "a": "d"}]}})");
  const auto f = dir.write("t.yaml", "task: t\ntest_split: test\ntraining_split: train\ndoc_to_text: q\n"
                                     "doc_to_target: a\nnum_fewshot: 1\n");
  auto task = make_task(load_task_config(f), dir.path() / "d");
  EXPECT_EQ(task->build(0, PromptOptions{}).context, "a b\n\nc");
  dir.write("list.json", R"([{"q": "x", "a": "y"}, {"q": "z", "a": "w"}])");
  const auto g = dir.write("u.yaml", "task: u\ntest_split: test\ndoc_to_text: q\ndoc_to_target: a\n"
                                     "dataset_kwargs:\n  data_files:\n    test: list.json\n");
  EXPECT_EQ(make_task(load_task_config(g))->eval_docs().size(), 2u);
}

}  // namespace
}  // namespace evalrun::tasks
