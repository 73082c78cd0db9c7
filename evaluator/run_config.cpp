// Parsing and checking of flag values that CLI11 cannot type-check alone.
#include <cmath>
#include <cstdlib>
#include <string>

#include "common/errors.h"
#include "evaluator/evaluator.h"

namespace evalrun::evaluator {
namespace {

bool parse_double(const std::string& text, double& out) {
  if (text.empty()) return false;
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && std::isfinite(out);
}

bool parse_int(const std::string& text, long long& out) {
  if (text.empty()) return false;
  char* end = nullptr;
  out = std::strtoll(text.c_str(), &end, 10);
  return end == text.c_str() + text.size();
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// Unescapes \n, \t, \\ so stop strings like until=\n can be written on a command line.
std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      const char c = s[++i];
      out += c == 'n' ? '\n' : c == 't' ? '\t' : c;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

Limit parse_limit(const std::string& text) {
  double value = 0;
  if (!parse_double(text, value) || value <= 0)
    throw UserError("--limit: expected a positive number of documents or a fraction in (0, 1), got '" + text + "'");
  Limit limit;
  if (value < 1.0) {
    limit.fraction = true;
  } else if (value != std::floor(value)) {
    throw UserError("--limit: a limit of 1 or more must be a whole number of documents, got '" + text + "'");
  }
  limit.value = value;
  return limit;
}

Shard parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  long long index = 0, count = 0;
  if (slash == std::string::npos || !parse_int(text.substr(0, slash), index) ||
      !parse_int(text.substr(slash + 1), count) || count < 1 || index < 0 || index >= count)
    throw UserError("--shard: expected I/N with 0 <= I < N (e.g. 0/4), got '" + text + "'");
  return Shard{static_cast<int>(index), static_cast<int>(count)};
}

nlohmann::json parse_gen_kwargs(const std::string& text) {
  nlohmann::json out = nlohmann::json::object();
  if (trim(text).empty()) return out;
  // Split on commas that start a new key=value (so values such as until=a,b stay lists only via '|').
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    const std::string item = trim(text.substr(start, comma - start));
    start = comma + 1;
    if (item.empty()) throw UserError("--gen-kwargs: empty entry in '" + text + "' (expected k=v,k=v)");
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UserError("--gen-kwargs: expected key=value, got '" + item + "'");
    const std::string key = trim(item.substr(0, eq));
    const std::string value = unescape(item.substr(eq + 1));
    double number = 0;
    long long integer = 0;
    if (key == "until") {
      // Several stop strings are separated by '|'.
      nlohmann::json list = nlohmann::json::array();
      size_t p = 0;
      while (true) {
        const size_t bar = value.find('|', p);
        list.push_back(value.substr(p, bar == std::string::npos ? std::string::npos : bar - p));
        if (bar == std::string::npos) break;
        p = bar + 1;
      }
      out[key] = list;
    } else if (key == "max_gen_toks" || key == "max_tokens" || key == "seed" || key == "n") {
      if (!parse_int(value, integer) || integer < 0)
        throw UserError("--gen-kwargs: " + key + " expects a non-negative integer, got '" + value + "'");
      out[key] = integer;
    } else if (key == "temperature" || key == "top_p") {
      if (!parse_double(value, number) || number < 0)
        throw UserError("--gen-kwargs: " + key + " expects a non-negative number, got '" + value + "'");
      out[key] = number;
    } else if (key == "do_sample") {
      if (value != "true" && value != "false" && value != "True" && value != "False")
        throw UserError("--gen-kwargs: do_sample expects true or false, got '" + value + "'");
      out[key] = value == "true" || value == "True";
    } else if (value == "true" || value == "True" || value == "false" || value == "False") {
      out[key] = value == "true" || value == "True";
    } else if (parse_int(value, integer)) {
      out[key] = integer;
    } else if (parse_double(value, number)) {
      out[key] = number;
    } else {
      out[key] = value;  // extra body field for HTTP backends
    }
  }
  return out;
}

}  // namespace evalrun::evaluator
