#pragma once
// Answer filters (lm-eval's filter_list): regex extraction with Python `re` semantics on top of RE2,
// take_first, take_first_k, majority_vote, lowercase, uppercase, strip, remove_whitespace, map.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <re2/re2.h>

#include "tasks/task.h"

namespace evalrun::tasks {

// A Python-style regular expression run by RE2. RE2's \b, \w, \d and \s are ASCII-only while Python's
// are Unicode-aware; the pattern is rewritten so they behave as in Python:
//  - \w \W \d \D \s \S become Unicode classes ([\p{L}\p{N}_], \p{Nd}, ...);
//  - \b and \B become empty marker groups; a match is kept only when, at every marker that took part
//    in it, the characters on both sides agree with Python's Unicode word-boundary rule (word
//    character = letter, number or '_', via ICU). When the first match at a start position is rejected,
//    the longest match at that start is tried too (so `\b(Да|Данет)\b` finds "Данет" as Python does);
//    then the search moves on. RE2 cannot backtrack, so other alternatives are not explored
//    (see docs/tasks.md).
class UnicodeRegex {
 public:
  // Throws UserError("<origin>: ...") when RE2 rejects the (rewritten) pattern.
  UnicodeRegex(const std::string& python_pattern, const std::string& origin);
  ~UnicodeRegex();
  // Python's re.findall: each match as its user groups (group 0 when the pattern has no groups).
  // Unmatched groups are empty strings, as in Python.
  std::vector<std::vector<std::string>> findall(std::string_view text) const;
  int group_count() const { return static_cast<int>(user_groups_.size()); }

 private:
  bool verify(std::string_view text, const std::vector<re2::StringPiece>& groups) const;
  std::unique_ptr<re2::RE2> re_;
  std::unique_ptr<re2::RE2> longest_;  // leftmost-longest twin, for the retry
  std::vector<int> user_groups_;            // RE2 group index of each user group
  std::vector<std::pair<int, bool>> markers_;  // RE2 group index, true = \b (false = \B)
  int total_groups_ = 0;
};

// Python's str.isspace() for one code point, and strip helpers on UTF-8 text.
bool is_python_space(uint32_t cp);
bool is_python_word(uint32_t cp);
std::string python_strip(std::string_view s, bool left, bool right);
std::string python_lower(std::string_view s);
std::string python_upper(std::string_view s);

// A compiled filter pipeline; apply() is thread-safe.
class FilterPipeline {
 public:
  // Validates function names and arguments; `origin` ("file:line") prefixes errors.
  static std::shared_ptr<const FilterPipeline> compile(const FilterPipelineSpec& spec, const std::string& origin);
  std::vector<std::string> apply(std::vector<std::string> responses, const nlohmann::json& doc) const;
  const std::string& name() const { return name_; }

  struct Step;

 private:
  std::string name_;
  std::vector<std::shared_ptr<const Step>> steps_;
};

// The filter function names accepted in filter_list.
const std::vector<std::string>& filter_names();

}  // namespace evalrun::tasks
