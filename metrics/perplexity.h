#pragma once
#include <cstddef>
#include <string_view>

namespace evalrun::metrics {

// lm-eval count_words: len(re.split(r"\s+", text)) -- 1 + the number of whitespace runs, so leading or
// trailing whitespace counts an empty word, as in lm-eval.
size_t lm_eval_word_count(std::string_view text);

}  // namespace evalrun::metrics
