#pragma once
// Small string helpers shared by the task loader and registry.
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace evalrun::tasks {

// Up to `max` candidates closest to `name` by edit distance (for "did you mean" hints).
std::vector<std::string> closest_names(const std::string& name, const std::vector<std::string>& candidates,
                                       size_t max = 3);
std::vector<std::string> closest_names(const std::string& name, const std::set<std::string>& candidates,
                                       size_t max = 3);
std::string join_names(const std::vector<std::string>& names, const std::string& sep = ", ");
std::string join_names(const std::set<std::string>& names, const std::string& sep = ", ");
std::string replace_all(std::string s, std::string_view from, std::string_view to);
// Looks up a dotted path ("meta.domain") in a JSON document; nullptr when absent.
const nlohmann::json* find_path(const nlohmann::json& doc, std::string_view path);

}  // namespace evalrun::tasks
