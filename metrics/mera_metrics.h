#pragma once
// MERA-specific metrics (MERA v1.2 benchmark_tasks/<task>/utils.py): USE grade_norm and ruEthics MCCs.
#include <string>
#include <vector>

#include "metrics/metric_base.h"

namespace evalrun::metrics {

// USE item scores (benchmark_tasks/use/utils.py get_scores): `type` is meta.type, `id_task` meta.id_task.
int use_multiple_choice_score(const std::string& answer, const std::string& prediction, bool is_task16);
int use_matching_score(const std::string& answer, const std::string& prediction);
int use_text_score(const std::string& answer, const std::string& prediction);
int use_score(const std::string& type, const std::string& id_task, const std::string& answer,
              const std::string& prediction);
// Python's str.split(",") (no maxsplit): always at least one part.
std::vector<std::string> split_commas(const std::string& text);

// use_grade_norm and ruethics_mcc.
void register_mera(std::vector<MetricEntry>& out);

}  // namespace evalrun::metrics
