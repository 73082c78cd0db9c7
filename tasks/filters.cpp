#include "tasks/filters.h"

#include <algorithm>
#include <functional>
#include <map>

#include <unicode/locid.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include "common/errors.h"

namespace evalrun::tasks {

using nlohmann::json;

namespace {

uint32_t decode_at(std::string_view s, size_t i, size_t* len_out = nullptr) {
  const unsigned char c = s[i];
  size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
  if (i + len > s.size()) len = 1;
  uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f) : (c & 0x07);
  for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
  if (len_out) *len_out = len;
  return cp;
}

// Start of the code point that ends right before byte position p (p > 0).
size_t prev_start(std::string_view s, size_t p) {
  size_t q = p - 1;
  while (q > 0 && (static_cast<unsigned char>(s[q]) & 0xc0) == 0x80 && p - q < 4) --q;
  return q;
}

size_t next_pos(std::string_view s, size_t p) {
  if (p >= s.size()) return p + 1;
  size_t len = 1;
  decode_at(s, p, &len);
  return p + len;
}

bool word_before(std::string_view s, size_t p) { return p > 0 && is_python_word(decode_at(s, prev_start(s, p))); }
bool word_after(std::string_view s, size_t p) { return p < s.size() && is_python_word(decode_at(s, p)); }

const char* kUnicodeSpaceClass = "\\s\\x0b\\p{Z}\\x1c-\\x1f\\x85";

}  // namespace

bool is_python_word(uint32_t cp) {
  if (cp == '_') return true;
  if (cp < 0x80) return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
  return (U_GET_GC_MASK(static_cast<UChar32>(cp)) & (U_GC_L_MASK | U_GC_N_MASK)) != 0;
}

bool is_python_space(uint32_t cp) {
  return cp == ' ' || (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x1f) || cp == 0x85 || cp == 0xa0 ||
         cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f ||
         cp == 0x205f || cp == 0x3000;
}

std::string python_strip(std::string_view s, bool left, bool right) {
  size_t begin = 0, end = s.size();
  if (left) {
    while (begin < end) {
      size_t len = 1;
      if (!is_python_space(decode_at(s, begin, &len))) break;
      begin += len;
    }
  }
  if (right) {
    while (end > begin) {
      const size_t q = prev_start(s, end);
      if (!is_python_space(decode_at(s, q))) break;
      end = q;
    }
  }
  return std::string(s.substr(begin, end - begin));
}

std::string python_lower(std::string_view s) {
  std::string out;
  icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())))
      .toLower(icu::Locale::getRoot())
      .toUTF8String(out);
  return out;
}

std::string python_upper(std::string_view s) {
  std::string out;
  icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())))
      .toUpper(icu::Locale::getRoot())
      .toUTF8String(out);
  return out;
}

// ---- UnicodeRegex -----------------------------------------------------------------------------

UnicodeRegex::UnicodeRegex(const std::string& p, const std::string& origin) {
  std::string out;
  out.reserve(p.size() + 16);
  bool in_class = false;
  int group = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      const char e = p[++i];
      if (in_class) {
        switch (e) {
          case 'w': out += "\\p{L}\\p{N}_"; break;
          case 'd': out += "\\p{Nd}"; break;
          case 's': out += kUnicodeSpaceClass; break;
          default: out += '\\', out += e;
        }
        continue;
      }
      switch (e) {
        case 'b':
        case 'B':
          out += "()";
          markers_.emplace_back(++group, e == 'b');
          break;
        case 'w': out += "[\\p{L}\\p{N}_]"; break;
        case 'W': out += "[^\\p{L}\\p{N}_]"; break;
        case 'd': out += "\\p{Nd}"; break;
        case 'D': out += "\\P{Nd}"; break;
        case 's': out += std::string("[") + kUnicodeSpaceClass + "]"; break;
        case 'S': out += std::string("[^") + kUnicodeSpaceClass + "]"; break;
        case 'Z': out += "\\z"; break;
        default: out += '\\', out += e;
      }
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      out += c;
      continue;
    }
    if (c == '[') {
      in_class = true;
      out += c;
      if (i + 1 < p.size() && p[i + 1] == '^') out += p[++i];
      if (i + 1 < p.size() && p[i + 1] == ']') out += p[++i];  // a leading ']' is literal
      continue;
    }
    if (c == '(') {
      const std::string_view rest(p.data() + i, p.size() - i);
      const bool named = rest.rfind("(?P<", 0) == 0 ||
                         (rest.rfind("(?<", 0) == 0 && rest.size() > 3 && rest[3] != '=' && rest[3] != '!');
      if (rest.size() < 2 || rest[1] != '?' || named) user_groups_.push_back(++group);
    }
    out += c;
  }
  RE2::Options options;
  options.set_log_errors(false);
  options.set_encoding(RE2::Options::EncodingUTF8);
  re_ = std::make_unique<RE2>(out, options);
  if (!re_->ok()) {
    throw UserError(origin + ": regex_pattern '" + p + "' is not supported by RE2: " + re_->error() +
                    " (lookaround and backreferences are not available)");
  }
  total_groups_ = re_->NumberOfCapturingGroups();
  if (!markers_.empty()) {
    options.set_longest_match(true);
    longest_ = std::make_unique<RE2>(out, options);
  }
}

bool UnicodeRegex::verify(std::string_view text, const std::vector<re2::StringPiece>& groups) const {
  for (const auto& [index, want_boundary] : markers_) {
    const re2::StringPiece& m = groups[size_t(index)];
    if (m.data() == nullptr) continue;  // the marker sat in an alternative that did not take part
    const size_t at = size_t(m.data() - text.data());
    if ((word_before(text, at) != word_after(text, at)) != want_boundary) return false;
  }
  return true;
}

UnicodeRegex::~UnicodeRegex() = default;

std::vector<std::vector<std::string>> UnicodeRegex::findall(std::string_view text) const {
  std::vector<std::vector<std::string>> result;
  std::vector<re2::StringPiece> groups(size_t(total_groups_) + 1);
  const re2::StringPiece subject(text.data(), text.size());
  size_t pos = 0;
  while (pos <= text.size()) {
    if (!re_->Match(subject, pos, text.size(), RE2::UNANCHORED, groups.data(), int(groups.size()))) break;
    const size_t start = size_t(groups[0].data() - text.data());
    size_t end = start + groups[0].size();
    if (!verify(text, groups)) {
      const bool retry = longest_->Match(subject, start, text.size(), RE2::ANCHOR_START, groups.data(),
                                         int(groups.size())) &&
                         verify(text, groups);
      if (!retry) {
        pos = next_pos(text, start);
        continue;
      }
      end = start + groups[0].size();
    }
    std::vector<std::string> item;
    if (user_groups_.empty()) {
      item.emplace_back(groups[0].data(), groups[0].size());
    } else {
      for (int g : user_groups_) {
        const re2::StringPiece& m = groups[size_t(g)];
        item.emplace_back(m.data() ? std::string(m.data(), m.size()) : std::string());
      }
    }
    result.push_back(std::move(item));
    pos = end == start ? next_pos(text, end) : end;
  }
  return result;
}

// ---- filter steps -----------------------------------------------------------------------------

struct FilterPipeline::Step {
  std::function<std::vector<std::string>(std::vector<std::string>, const json&)> run;
};

namespace {

using Run = std::function<std::vector<std::string>(std::vector<std::string>, const json&)>;

struct ArgReader {
  const json& args;
  std::string where;
  void allow(std::initializer_list<const char*> names) const {
    for (auto it = args.begin(); it != args.end(); ++it) {
      bool ok = false;
      for (const char* n : names) ok = ok || it.key() == n;
      if (!ok) {
        std::string list;
        for (const char* n : names) list += (list.empty() ? "" : ", ") + std::string(n);
        throw UserError(where + ": unknown argument '" + it.key() + "'" +
                        (list.empty() ? " (this filter takes none)" : " (expected: " + list + ")"));
      }
    }
  }
  std::string str(const char* key, const std::string& fallback) const {
    auto it = args.find(key);
    if (it == args.end() || it->is_null()) return fallback;
    if (!it->is_string()) throw UserError(where + ": argument '" + key + "': expected a string");
    return it->get<std::string>();
  }
  long long integer(const char* key, long long fallback, bool required = false) const {
    auto it = args.find(key);
    if (it == args.end() || it->is_null()) {
      if (required) throw UserError(where + ": missing argument '" + key + "'");
      return fallback;
    }
    if (!it->is_number_integer()) throw UserError(where + ": argument '" + key + "': expected an integer");
    return it->get<long long>();
  }
};

Run make_regex(const ArgReader& a) {
  a.allow({"regex_pattern", "group_select", "fallback"});
  auto re = std::make_shared<UnicodeRegex>(a.str("regex_pattern", "#### (\\-?[0-9\\.\\,]+)"), a.where);
  const long long select = a.integer("group_select", 0);
  const std::string fallback = a.str("fallback", "[invalid]");
  return [re, select, fallback](std::vector<std::string> resps, const json&) {
    for (std::string& r : resps) {
      const auto matches = re->findall(r);
      const long long n = static_cast<long long>(matches.size());
      const long long idx = select < 0 ? n + select : select;
      // Python would raise IndexError for an out-of-range group_select; the fallback is the answer.
      if (matches.empty() || idx < 0 || idx >= n) {
        r = fallback;
        continue;
      }
      const auto& groups = matches[size_t(idx)];
      std::string picked;
      bool found = groups.size() == 1;
      if (found) {
        picked = groups[0];
      } else {
        for (const std::string& g : groups) {
          if (!g.empty()) {
            picked = g;
            found = true;
            break;
          }
        }
      }
      r = found ? python_strip(picked, true, true) : fallback;
    }
    return resps;
  };
}

Run make_step(const FilterStep& step, const std::string& where) {
  const ArgReader a{step.args, where};
  const std::string& f = step.function;
  if (f == "regex") return make_regex(a);
  if (f == "take_first") {
    a.allow({});
    return [](std::vector<std::string> r, const json&) {
      if (r.size() > 1) r.resize(1);
      return r;
    };
  }
  if (f == "take_first_k") {
    a.allow({"k"});
    const long long k = a.integer("k", 0, true);
    if (k < 1) throw UserError(where + ": argument 'k': expected a positive integer");
    return [k, where](std::vector<std::string> r, const json&) {
      if (static_cast<long long>(r.size()) < k) {
        throw UserError(where + ": take_first_k needs " + std::to_string(k) + " responses per document, got " +
                        std::to_string(r.size()) + " (increase `repeats`)");
      }
      r.resize(size_t(k));
      return r;
    };
  }
  if (f == "majority_vote") {
    a.allow({});
    return [](std::vector<std::string> r, const json&) {
      // Counter.most_common(1): the highest count, ties to the first seen.
      std::vector<std::pair<std::string, int>> counts;
      for (const std::string& s : r) {
        auto it = std::find_if(counts.begin(), counts.end(), [&](const auto& p) { return p.first == s; });
        if (it == counts.end()) counts.emplace_back(s, 1);
        else ++it->second;
      }
      std::vector<std::string> out;
      if (!counts.empty()) {
        auto best = counts.begin();
        for (auto it = counts.begin(); it != counts.end(); ++it)
          if (it->second > best->second) best = it;
        out.push_back(best->first);
      }
      return out;
    };
  }
  if (f == "lowercase" || f == "uppercase") {
    a.allow({});
    const bool lower = f == "lowercase";
    return [lower](std::vector<std::string> r, const json&) {
      for (std::string& s : r) s = lower ? python_lower(s) : python_upper(s);
      return r;
    };
  }
  if (f == "remove_whitespace") {
    a.allow({});
    return [](std::vector<std::string> r, const json&) {
      for (std::string& s : r) s = python_strip(s, true, false);
      return r;
    };
  }
  if (f == "strip") {
    a.allow({"side"});
    const std::string side = a.str("side", "both");
    if (side != "both" && side != "left" && side != "right") {
      throw UserError(where + ": argument 'side': expected both, left or right, got '" + side + "'");
    }
    const bool left = side != "right", right = side != "left";
    return [left, right](std::vector<std::string> r, const json&) {
      for (std::string& s : r) s = python_strip(s, left, right);
      return r;
    };
  }
  if (f == "map") {
    a.allow({"mapping_dict", "default_value"});
    auto it = step.args.find("mapping_dict");
    if (it == step.args.end() || !it->is_object()) {
      throw UserError(where + ": argument 'mapping_dict': expected a mapping");
    }
    std::map<std::string, std::string> mapping;
    for (auto m = it->begin(); m != it->end(); ++m) {
      mapping[m.key()] = m->is_string() ? m->get<std::string>() : m->dump();
    }
    auto d = step.args.find("default_value");
    const bool has_default = d != step.args.end() && !d->is_null();
    const std::string fallback = has_default ? (d->is_string() ? d->get<std::string>() : d->dump()) : "";
    return [mapping, fallback](std::vector<std::string> r, const json&) {
      for (std::string& s : r) {
        auto m = mapping.find(s);
        s = m == mapping.end() ? fallback : m->second;
      }
      return r;
    };
  }
  std::string list;
  for (const std::string& n : filter_names()) list += (list.empty() ? "" : ", ") + n;
  throw UserError(where + ": unknown filter function '" + f + "' (expected one of: " + list + ")");
}

}  // namespace

const std::vector<std::string>& filter_names() {
  static const std::vector<std::string> names = {"regex",     "take_first", "take_first_k",      "majority_vote",
                                                 "lowercase", "uppercase",  "remove_whitespace", "strip",
                                                 "map"};
  return names;
}

std::shared_ptr<const FilterPipeline> FilterPipeline::compile(const FilterPipelineSpec& spec,
                                                              const std::string& origin) {
  auto pipeline = std::make_shared<FilterPipeline>();
  pipeline->name_ = spec.name;
  for (const FilterStep& step : spec.steps) {
    auto s = std::make_shared<Step>();
    s->run = make_step(step, origin + ": filter '" + spec.name + "', function '" + step.function + "'");
    pipeline->steps_.push_back(std::move(s));
  }
  return pipeline;
}

std::vector<std::string> FilterPipeline::apply(std::vector<std::string> responses, const json& doc) const {
  for (const auto& step : steps_) responses = step->run(std::move(responses), doc);
  return responses;
}

}  // namespace evalrun::tasks
