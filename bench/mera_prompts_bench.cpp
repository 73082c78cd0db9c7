// Prompt construction for the whole MERA v1.2 suite (mera_all: 23 tasks + 14 generative twins) at MERA's
// real test sizes (dataset cards), on synthetic documents cloned from the committed fixtures. Prints
// requests, wall time on 1 and 2 threads and the ratio. Documents are loaded before timing.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "tasks/task.h"

namespace fs = std::filesystem;
using nlohmann::json;
using evalrun::tasks::PromptOptions;
using evalrun::tasks::TaskRegistry;

namespace {

// Test sizes from MERA's dataset cards (docs/dataset_cards/en/*.md); ruEthics = 645 texts x 3 questions;
// ruTiE = 9 dialogues of 500 questions; ruMMLU's closed test: 961.
const std::map<std::string, size_t> kTestSize = {
    {"bps", 1000},   {"chegeka", 416},   {"lcs", 500},          {"mathlogicqa", 1143}, {"multiq", 900},
    {"parus", 500},  {"rcb", 438},       {"rudetox", 800},      {"ruethics", 1935},    {"ruhatespeech", 268},
    {"ruhhh", 178},  {"rummlu", 961},    {"mamuramu", 4248},    {"rumodar", 6000},     {"rumultiar", 1024},
    {"simplear", 1000}, {"ruopenbookqa", 400}, {"ruworldtree", 525}, {"rwsd", 260},    {"use", 900},
    {"rutie", 4500}, {"ruhumaneval", 164}, {"rucodeeval", 164}};

std::vector<json> read_jsonl(const fs::path& p) {
  std::vector<json> out;
  std::ifstream in(p);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(json::parse(line));
  return out;
}

// n distinct clones of the fixture documents (ids and texts varied so every prompt differs).
void write_clones(const fs::path& src, const fs::path& dst, size_t n, const std::string& task) {
  const auto base = read_jsonl(src);
  fs::create_directories(dst.parent_path());
  std::ofstream out(dst);
  for (size_t i = 0; i < n; ++i) {
    json d = base[i % base.size()];
    d["meta"]["id"] = i;
    if (task == "rutie") {
      d["meta"]["dialog_id"] = i / 500;
      d["meta"]["question_id"] = i % 500;
    }
    if (task == "rummlu" || task == "mamuramu") d["meta"]["domain"] = "domain_" + std::to_string(i % 57);
    if (d["inputs"].is_string()) {
      d["inputs"] = d["inputs"].get<std::string>() + " " + std::to_string(i);
    } else if (d["inputs"].is_object()) {
      for (auto& [k, v] : d["inputs"].items())
        if (v.is_string() && !v.get<std::string>().empty() && k != "function") v = v.get<std::string>() + " #" + std::to_string(i);
    }
    out << d.dump() << "\n";
  }
}

struct Work {
  std::shared_ptr<const evalrun::tasks::Task> task;
  size_t doc;
};

double build_all(const std::vector<Work>& work, int threads, size_t& requests) {
  std::atomic<size_t> next{0}, reqs{0};
  const auto t0 = std::chrono::steady_clock::now();
  auto worker = [&] {
    size_t local = 0;
    PromptOptions o;
    for (size_t i; (i = next.fetch_add(64)) < work.size();) {
      for (size_t j = i; j < std::min(work.size(), i + 64); ++j) {
        const auto inst = work[j].task->build(work[j].doc, o);
        local += inst.continuations.empty() ? size_t(std::max(1, inst.generation.n)) : inst.continuations.size();
      }
    }
    reqs += local;
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  requests = reqs;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::vector<Work> load(const fs::path& data) {
  evalrun::tasks::RegistryOptions o;
  o.data_dir = data;
  auto registry = std::make_shared<TaskRegistry>(o);
  std::vector<Work> work;
  for (const auto& name : registry->resolve("mera_all")) {
    auto task = registry->get(name);
    task->fewshot_docs();
    for (size_t d = 0; d < task->eval_docs().size(); ++d) work.push_back({task, d});
  }
  return work;
}

}  // namespace

int main() {
  const fs::path src = fs::path(EVALRUN_SOURCE_DIR) / "tests" / "fixtures" / "tasks" / "mera";
  const fs::path data = fs::temp_directory_path() / "evalrun_mera_prompts_bench";
  fs::remove_all(data);
  for (const auto& [task, n] : kTestSize) {
    for (const auto& entry : fs::directory_iterator(src / task)) {
      const std::string split = entry.path().stem().string();
      const size_t count = split == "test" ? n : (task == "rummlu" || task == "mamuramu" ? 285 : 200);
      write_clones(entry.path(), data / task / entry.path().filename(), count, task);
    }
  }
  const auto t_load = std::chrono::steady_clock::now();
  const auto work1 = load(data);
  const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_load).count();
  const auto work2 = load(data);
  // Per-task single-thread times (the slowest first), on the first copy (warms nothing shared with work2).
  std::map<std::string, double> per_task;
  {
    PromptOptions o;
    for (const auto& w : load(data)) {
      const auto t0 = std::chrono::steady_clock::now();
      w.task->build(w.doc, o);
      per_task[w.task->config().task] += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
  }
  std::vector<std::pair<double, std::string>> slow;
  for (const auto& [t, s] : per_task) slow.emplace_back(s, t);
  std::sort(slow.rbegin(), slow.rend());
  for (size_t i = 0; i < std::min<size_t>(6, slow.size()); ++i) std::printf("  %-18s %.3f s\n", slow[i].second.c_str(), slow[i].first);
  size_t req1 = 0, req2 = 0;
  const double one = build_all(work1, 1, req1);
  const double two = build_all(work2, 2, req2);
  std::printf("mera_all: %zu documents, %zu requests (MERA test sizes), data load %.2f s\n", work1.size(), req1, load_s);
  std::printf("prompt construction, 1 thread : %.3f s (%.0f requests/s)\n", one, req1 / one);
  std::printf("prompt construction, 2 threads: %.3f s (%.0f requests/s)  goal < 2 s\n", two, req2 / two);
  std::printf("speed-up 2 vs 1 thread: %.2fx\n", one / two);
  fs::remove_all(data);
  return req1 == req2 ? 0 : 1;
}
