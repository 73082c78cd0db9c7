// Per-group breakdowns: kwargs {"group_by": "meta.domain"} wrap any metric; the task score stays the
// metric over all documents and Aggregate.breakdown gains "<metric>_<domain>_<group>" per group value.
#include <map>

#include "common/errors.h"
#include "metrics/metric_base.h"

namespace evalrun::metrics {
namespace {

class GroupBreakdownMetric : public Metric {
 public:
  GroupBreakdownMetric(std::unique_ptr<Metric> inner, std::string group_by)
      : inner_(std::move(inner)), group_by_(std::move(group_by)) {
    size_t start = 0;
    while (true) {
      const size_t dot = group_by_.find('.', start);
      path_.push_back(group_by_.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    for (const auto& p : path_)
      if (p.empty()) throw UserError("metric '" + inner_->name() + "': kwarg 'group_by': bad path '" + group_by_ + "'");
  }

  const std::string& name() const override { return inner_->name(); }
  bool higher_is_better() const override { return inner_->higher_is_better(); }

  nlohmann::json per_sample(const SampleInput& s) const override {
    if (!s.doc) throw UserError("metric '" + name() + "': group_by '" + group_by_ + "' needs the document");
    const nlohmann::json* v = s.doc;
    for (const auto& key : path_) {
      if (!v->is_object() || !v->contains(key))
        throw UserError("metric '" + name() + "': group_by: document has no field '" + group_by_ + "'");
      v = &(*v)[key];
    }
    std::string group;
    if (v->is_string()) {
      group = v->get<std::string>();
    } else if (v->is_number_integer() || v->is_boolean()) {
      group = v->dump();
    } else {
      throw UserError("metric '" + name() + "': group_by: field '" + group_by_ + "' must be a string or integer, got " +
                      v->dump());
    }
    return {{"item", inner_->per_sample(s)}, {"group", group}};
  }

  Aggregate aggregate(const std::vector<nlohmann::json>& items, const StderrOptions& options) const override {
    std::vector<nlohmann::json> all;
    std::map<std::string, std::vector<nlohmann::json>> groups;
    for (size_t i = 0; i < items.size(); ++i) {
      const auto& it = items[i];
      if (!it.is_object() || !it.contains("item") || !it.contains("group") || !it["group"].is_string())
        throw UserError("metric '" + name() + "': item " + std::to_string(i) +
                        ": expected {\"item\": ..., \"group\": string}");
      all.push_back(it["item"]);
      groups[it["group"].get<std::string>()].push_back(it["item"]);
    }
    Aggregate out = inner_->aggregate(all, options);
    const std::string prefix = name() + "_" + path_.back() + "_";
    for (const auto& [group, subset] : groups) out.breakdown[prefix + group] = inner_->aggregate(subset, options).value;
    return out;
  }

 private:
  std::unique_ptr<Metric> inner_;
  std::string group_by_;
  std::vector<std::string> path_;
};

}  // namespace

std::unique_ptr<Metric> make_group_breakdown(std::unique_ptr<Metric> inner, const std::string& group_by) {
  return std::make_unique<GroupBreakdownMetric>(std::move(inner), group_by);
}

}  // namespace evalrun::metrics
