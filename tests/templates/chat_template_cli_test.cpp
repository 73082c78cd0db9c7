// `evalrun chat-template` prints the rendered prompt byte for byte (no added newline) and reports bad
// input as one line with exit code 2.
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;

struct Result {
  int code;
  std::string out;
};

Result run(const std::string& args) {
  std::string cmd = std::string(EVALRUN_EXE) + " " + args + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  int status = pclose(pipe);
  return {WEXITSTATUS(status), out};
}

TEST(ChatTemplateCli, RendersFixtureExactly) {
  std::ifstream in(std::string(EVALRUN_SOURCE_DIR) + "/tests/fixtures/templates/chat_renders.json");
  std::stringstream ss;
  ss << in.rdbuf();
  auto fixture = nlohmann::ordered_json::parse(ss.str());
  fs::path model = fs::path(EVALRUN_SOURCE_DIR) / fixture["templates"]["qwen3"]["model_dir"].get<std::string>();
  if (!fs::exists(model)) GTEST_SKIP() << "npm packages not installed";
  fs::path tmp = fs::temp_directory_path() / ("evalrun_cli_msgs_" + std::to_string(::getpid()) + ".json");
  int checked = 0;
  for (const auto& r : fixture["renders"]) {
    if (r["template"] != "qwen3" || r.contains("error") || !r["extra"].empty()) continue;
    if (r["messages_name"] != "russian_ws" && r["messages_name"] != "special_chars" && r["messages_name"] != "multi_turn")
      continue;
    std::ofstream(tmp) << r["messages"].dump();
    Result res = run("chat-template --model " + model.string() + " --messages " + tmp.string() +
                     (r["add_generation_prompt"].get<bool>() ? " --add-generation-prompt" : ""));
    EXPECT_EQ(res.code, 0) << res.out;
    EXPECT_EQ(res.out, r["expected"].get<std::string>()) << r["messages_name"];
    ++checked;
  }
  fs::remove(tmp);
  EXPECT_EQ(checked, 6);
}

TEST(ChatTemplateCli, BadInputIsOneLineExitTwo) {
  fs::path dir = fs::temp_directory_path() / ("evalrun_cli_bad_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "tokenizer_config.json") << R"({"chat_template": "{% if messages %}{{ messages[0].content | nosuch }}{% endif %}"})";
  std::ofstream(dir / "msgs.json") << R"([{"role": "user", "content": "x"}])";
  Result res = run("chat-template --model " + dir.string() + " --messages " + (dir / "msgs.json").string());
  EXPECT_EQ(res.code, 2) << res.out;
  EXPECT_NE(res.out.find("no filter named 'nosuch'"), std::string::npos) << res.out;
  EXPECT_LE(std::count(res.out.begin(), res.out.end(), '\n'), 1) << res.out;

  std::ofstream(dir / "tokenizer_config.json") << R"({"chat_template": "{% for m in messages %}"})";
  res = run("chat-template --model " + dir.string() + " --messages " + (dir / "msgs.json").string());
  EXPECT_EQ(res.code, 2) << res.out;
  EXPECT_NE(res.out.find("tokenizer_config.json:chat_template:1:"), std::string::npos) << res.out;
  fs::remove_all(dir);
}

}  // namespace
