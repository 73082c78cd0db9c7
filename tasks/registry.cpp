// TaskRegistry: finds task YAMLs in the built-in folder and --include-path folders, resolves names,
// tags and globs, and creates tasks on demand.
#include <algorithm>
#include <cstdlib>
#include <fnmatch.h>
#include <map>
#include <mutex>

#include <yaml-cpp/yaml.h>

#include "common/errors.h"
#include "tasks/rules.h"
#include "tasks/util.h"

#ifndef EVALRUN_TASKS_DIR
#define EVALRUN_TASKS_DIR "tasks"
#endif

namespace evalrun::tasks {

namespace fs = std::filesystem;

fs::path builtin_tasks_dir() {
  if (const char* env = std::getenv("EVALRUN_TASKS_DIR"); env && *env) return fs::path(env);
  return fs::path(EVALRUN_TASKS_DIR);
}

struct TaskRegistry::Impl {
  RegistryOptions options;
  std::map<std::string, TaskConfig> configs;
  std::map<std::string, std::vector<std::string>> tags;  // tag -> task names (sorted)
  mutable std::mutex mutex;
  mutable std::map<std::string, std::shared_ptr<const Task>> tasks;

  void scan(const fs::path& root, bool builtin) {
    if (!fs::is_directory(root)) {
      throw UserError(root.string() + ": " + (builtin ? "built-in tasks folder" : "--include-path") +
                      " is not a directory");
    }
    std::vector<fs::path> files;
    for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::follow_directory_symlink);
         it != fs::recursive_directory_iterator(); ++it) {
      const auto ext = it->path().extension();
      if (it->is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    std::map<std::string, fs::path> seen;  // duplicates within one root are errors
    for (const fs::path& file : files) {
      YAML::Node root_node;
      try {
        root_node = YAML::LoadFile(file.string());
      } catch (const YAML::ParserException& e) {
        throw UserError(located(file.string(), e.mark.line + 1, "YAML syntax error: " + e.msg));
      }
      // Files without `task:` are shared bases, loaded through `include:`.
      if (!root_node.IsMap() || !root_node["task"]) continue;
      TaskConfig c = load_task_config(file);
      if (auto s = seen.find(c.task); s != seen.end()) {
        throw UserError(located(file.string(), c.source_line, "task '" + c.task + "' is also defined in " +
                                                                  s->second.string()));
      }
      seen[c.task] = file;
      configs[c.task] = std::move(c);  // include paths override built-in tasks of the same name
    }
  }
};

TaskRegistry::TaskRegistry(const RegistryOptions& options) : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
  impl_->scan(builtin_tasks_dir(), true);
  for (const auto& p : options.include_paths) impl_->scan(p, false);
  for (const auto& [name, c] : impl_->configs)
    for (const auto& t : c.tags) impl_->tags[t].push_back(name);
}

TaskRegistry::~TaskRegistry() = default;

std::vector<std::string> TaskRegistry::task_names() const {
  std::vector<std::string> names;
  for (const auto& [name, c] : impl_->configs) names.push_back(name);
  return names;
}

std::vector<std::string> TaskRegistry::tags() const {
  std::vector<std::string> out;
  for (const auto& [t, names] : impl_->tags) out.push_back(t);
  return out;
}

std::vector<std::string> TaskRegistry::tasks_with_tag(const std::string& tag) const {
  auto it = impl_->tags.find(tag);
  return it == impl_->tags.end() ? std::vector<std::string>{} : it->second;
}

std::vector<std::string> TaskRegistry::resolve(const std::string& spec) const {
  std::vector<std::string> out;
  auto add = [&](const std::string& name) {
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  };
  size_t start = 0;
  while (start <= spec.size()) {
    size_t end = spec.find(',', start);
    if (end == std::string::npos) end = spec.size();
    std::string item = spec.substr(start, end - start);
    start = end + 1;
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (item.empty()) continue;
    if (impl_->configs.count(item)) {
      add(item);
    } else if (auto t = impl_->tags.find(item); t != impl_->tags.end()) {
      for (const auto& n : t->second) add(n);
    } else if (item.find_first_of("*?[") != std::string::npos) {
      bool any = false;
      for (const auto& [name, c] : impl_->configs) {
        if (fnmatch(item.c_str(), name.c_str(), 0) == 0) {
          add(name);
          any = true;
        }
      }
      if (!any) throw UserError("--tasks: pattern '" + item + "' matches no task");
    } else {
      std::vector<std::string> candidates = task_names();
      for (const auto& [t, n] : impl_->tags) candidates.push_back(t);
      throw UserError("--tasks: unknown task or tag '" + item + "' (closest: " +
                      join_names(closest_names(item, candidates)) + ")");
    }
  }
  if (out.empty()) throw UserError("--tasks: no task given");
  return out;
}

const TaskConfig& TaskRegistry::config(const std::string& name) const {
  auto it = impl_->configs.find(name);
  if (it == impl_->configs.end()) {
    throw UserError("unknown task '" + name + "' (closest: " + join_names(closest_names(name, task_names())) + ")");
  }
  return it->second;
}

std::shared_ptr<const Task> TaskRegistry::get(const std::string& name) const {
  const TaskConfig& c = config(name);
  std::lock_guard lock(impl_->mutex);
  auto& slot = impl_->tasks[name];
  if (!slot) slot = make_task(c, impl_->options.data_dir);
  return slot;
}

}  // namespace evalrun::tasks
