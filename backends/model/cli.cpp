// `evalrun tokenize`: encodes {"text": ...} JSON lines with a tokenizer.json tokenizer and prints
// {"ids": [...]} per line — for debugging prompts and checking parity against Hugging Face.
#include "backends/model/cli.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "backends/model/tokenizer.h"
#include "common/errors.h"

namespace evalrun::model {

namespace {

struct TokenizeOptions {
  std::string tokenizer;
  std::string input;
  bool add_special_tokens = false;
  int threads = 0;
};

int run_tokenize(const TokenizeOptions& o) {
  auto tok = Tokenizer::load(o.tokenizer);
  std::ifstream in(o.input, std::ios::binary);
  if (!in) throw UserError(o.input + ": cannot open file");
  std::vector<std::string> texts;
  std::vector<int> line_of;  // input line of each text, for error messages
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
      std::string what = e.what();
      size_t b = what.find("] ");
      throw UserError(located(o.input, line_no, "invalid JSON line: " + (b == std::string::npos ? what : what.substr(b + 2))));
    }
    if (!j.is_object() || !j.contains("text") || !j["text"].is_string())
      throw UserError(located(o.input, line_no, "expected an object with a string field \"text\""));
    texts.push_back(j["text"].get<std::string>());
    line_of.push_back(line_no);
  }
  std::vector<std::vector<int32_t>> all;
  try {
    all = tok->encode_batch(texts, o.add_special_tokens, o.threads);
  } catch (const UserError&) {
    // Find the offending line for the message.
    for (size_t i = 0; i < texts.size(); ++i) {
      try {
        (void)tok->encode(texts[i], o.add_special_tokens);
      } catch (const UserError& e) {
        throw UserError(located(o.input, line_of[i], e.what()));
      }
    }
    throw;
  }
  std::string out;
  for (const auto& ids : all) {
    out += "{\"ids\": [";
    for (size_t k = 0; k < ids.size(); ++k) {
      if (k) out += ", ";
      out += std::to_string(ids[k]);
    }
    out += "]}\n";
    if (out.size() > (1 << 16)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return 0;
}

}  // namespace

void add_commands(CLI::App& app, CommandTable& table) {
  auto opts = std::make_shared<TokenizeOptions>();
  auto* sub = app.add_subcommand("tokenize", "Encode {\"text\": ...} JSON lines with a tokenizer.json tokenizer");
  sub->add_option("--tokenizer", opts->tokenizer, "Model directory or tokenizer.json path")->required();
  sub->add_option("--input", opts->input, "JSONL file with one {\"text\": ...} object per line")->required();
  sub->add_flag("--add-special-tokens", opts->add_special_tokens, "Add BOS/EOS etc. as the post-processor says");
  sub->add_option("--threads", opts->threads, "Encoding threads (0: all cores)");
  table.add(sub, [opts] { return run_tokenize(*opts); });
}

}  // namespace evalrun::model
