#pragma once
// Python's str.format for MERA instructions: `instruction.format(**inputs)`. Keyword fields only
// ({name}, {name[key]}, {name[0]}), conversions !s/!r/!a, format specs for strings and numbers,
// literal braces {{ and }}, and Python's str()/repr() of JSON values (dict, list, None, True, floats).
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/errors.h"

namespace evalrun::templates {

// A str.format failure. `field` names the missing keyword field (kMissingField), empty otherwise.
class PyFormatError : public UserError {
 public:
  enum class Kind { kSyntax, kMissingField, kBadValue };
  PyFormatError(Kind kind, std::string field, const std::string& message)
      : UserError(message), kind(kind), field(std::move(field)) {}
  Kind kind;
  std::string field;
};

// Looks up a keyword field by name; nullptr when absent (Python's KeyError).
using FieldLookup = std::function<const nlohmann::json*(std::string_view name)>;

// A parsed format string: parse once, format many times (thread-safe).
class PyFormat {
 public:
  // Throws PyFormatError(kSyntax) with Python's message ("Single '}' encountered in format string").
  static PyFormat parse(std::string_view format);
  PyFormat();
  ~PyFormat();
  PyFormat(const PyFormat&);
  PyFormat& operator=(const PyFormat&);
  PyFormat(PyFormat&&) noexcept;
  PyFormat& operator=(PyFormat&&) noexcept;

  // `format(**kwargs)` with kwargs a JSON object.
  std::string format(const nlohmann::json& kwargs) const;
  std::string format(const FieldLookup& lookup) const;
  // Top-level keyword names referenced, in order of first use.
  std::vector<std::string> field_names() const;

  struct Piece;

 private:
  std::shared_ptr<const std::vector<Piece>> pieces_;
};

// Convenience: parse + format.
std::string py_format(std::string_view format, const nlohmann::json& kwargs);

// Python's str(value) and repr(value) for JSON values (objects as dicts in key order).
std::string python_str(const nlohmann::json& value);
std::string python_repr(const nlohmann::json& value);
// Python's ascii(value).
std::string python_ascii(const nlohmann::json& value);

}  // namespace evalrun::templates
