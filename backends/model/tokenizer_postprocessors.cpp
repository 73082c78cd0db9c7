// Post-processors (processors/*.rs in the Rust library), for single sequences: they only add special
// token ids around the encoded text when add_special_tokens is set.
#include <map>

#include "backends/model/tokenizer_impl.h"

namespace evalrun::model::tok {

namespace {

class AffixProcessor final : public PostProcessor {
 public:
  AffixProcessor(std::vector<int32_t> prefix, std::vector<int32_t> suffix)
      : prefix_(std::move(prefix)), suffix_(std::move(suffix)) {}
  void process(std::vector<int32_t>& ids) const override {
    if (!prefix_.empty()) ids.insert(ids.begin(), prefix_.begin(), prefix_.end());
    ids.insert(ids.end(), suffix_.begin(), suffix_.end());
  }

 private:
  std::vector<int32_t> prefix_, suffix_;
};

class NoopProcessor final : public PostProcessor {
 public:
  void process(std::vector<int32_t>&) const override {}
};

class SequenceProcessor final : public PostProcessor {
 public:
  explicit SequenceProcessor(std::vector<std::unique_ptr<PostProcessor>> parts) : parts_(std::move(parts)) {}
  void process(std::vector<int32_t>& ids) const override {
    for (const auto& p : parts_) p->process(ids);
  }

 private:
  std::vector<std::unique_ptr<PostProcessor>> parts_;
};

// A [token, id] pair of BertProcessing / RobertaProcessing.
int32_t pair_id(const Json& j, const char* key, const Where& where) {
  if (!j.contains(key) || !j[key].is_array() || j[key].size() != 2 || !j[key][1].is_number_integer())
    where.at(key).fail("expected [token, id]");
  return j[key][1].get<int32_t>();
}

std::unique_ptr<PostProcessor> make_template(const Json& j, const Where& where) {
  std::map<std::string, std::vector<int32_t>> specials;
  if (j.contains("special_tokens")) {
    const Json& st = j["special_tokens"];
    if (!st.is_object()) where.at("special_tokens").fail("expected an object");
    for (auto it = st.begin(); it != st.end(); ++it) {
      Where w = where.at("special_tokens").at(it.key());
      if (!it.value().is_object() || !it.value().contains("ids") || !it.value()["ids"].is_array())
        w.fail("expected {\"id\": ..., \"ids\": [...], \"tokens\": [...]}");
      std::vector<int32_t> ids;
      for (const Json& x : it.value()["ids"]) {
        if (!x.is_number_integer()) w.at("ids").fail("expected integer ids");
        ids.push_back(x.get<int32_t>());
      }
      specials[it.key()] = std::move(ids);
    }
  }
  if (!j.contains("single")) where.at("single").fail("missing");
  const Json& single = j["single"];
  Where ws = where.at("single");
  std::vector<int32_t> prefix, suffix;
  bool seen_sequence = false;
  auto add_special = [&](const std::string& name, const Where& w) {
    auto it = specials.find(name);
    if (it == specials.end()) w.fail("special token '" + name + "' is missing from special_tokens");
    auto& dst = seen_sequence ? suffix : prefix;
    dst.insert(dst.end(), it->second.begin(), it->second.end());
  };
  if (single.is_string()) {
    // The textual form, e.g. "[CLS] $A [SEP]" or "<s>:0 $A:0".
    std::string s = single.get<std::string>();
    size_t pos = 0;
    while (pos < s.size()) {
      size_t e = s.find(' ', pos);
      if (e == std::string::npos) e = s.size();
      std::string piece = s.substr(pos, e - pos);
      pos = e + 1;
      if (piece.empty()) continue;
      size_t colon = piece.rfind(':');
      std::string name = colon == std::string::npos ? piece : piece.substr(0, colon);
      if (!name.empty() && name[0] == '$') {
        if (name == "$" || name == "$A" || name == "$a" || name == "$0") seen_sequence = true;
        continue;
      }
      add_special(name, ws);
    }
  } else if (single.is_array()) {
    for (size_t i = 0; i < single.size(); ++i) {
      const Json& p = single[i];
      if (p.is_object() && p.contains("SpecialToken") && p["SpecialToken"].is_object()) {
        add_special(get_string(p["SpecialToken"], "id", ws.at(i).at("SpecialToken")), ws.at(i));
      } else if (p.is_object() && p.contains("Sequence") && p["Sequence"].is_object()) {
        if (get_string(p["Sequence"], "id", ws.at(i).at("Sequence")) == "A") seen_sequence = true;
      } else {
        ws.at(i).fail("expected {\"SpecialToken\": ...} or {\"Sequence\": ...}");
      }
    }
  } else {
    ws.fail("expected a template (array of pieces or string)");
  }
  return std::make_unique<AffixProcessor>(std::move(prefix), std::move(suffix));
}

}  // namespace

std::unique_ptr<PostProcessor> make_affix_processor(std::vector<int32_t> prefix, std::vector<int32_t> suffix) {
  return std::make_unique<AffixProcessor>(std::move(prefix), std::move(suffix));
}

std::unique_ptr<PostProcessor> make_post_processor(const Json& j, const Where& where) {
  if (!j.is_object()) where.fail("expected a post-processor object");
  std::string type = get_string(j, "type", where);
  if (type == "TemplateProcessing") return make_template(j, where);
  if (type == "ByteLevel") return std::make_unique<NoopProcessor>();  // only trims offsets
  if (type == "RobertaProcessing" || type == "BertProcessing")
    return std::make_unique<AffixProcessor>(std::vector<int32_t>{pair_id(j, "cls", where)},
                                            std::vector<int32_t>{pair_id(j, "sep", where)});
  if (type == "Sequence") {
    if (!j.contains("processors") || !j["processors"].is_array())
      where.at("processors").fail("expected an array of post-processors");
    std::vector<std::unique_ptr<PostProcessor>> parts;
    for (size_t i = 0; i < j["processors"].size(); ++i)
      parts.push_back(make_post_processor(j["processors"][i], where.at("processors").at(i)));
    return std::make_unique<SequenceProcessor>(std::move(parts));
  }
  where.at("type").fail("unsupported post-processor type '" + type +
                        "' (supported: TemplateProcessing, ByteLevel, RobertaProcessing, BertProcessing, Sequence)");
}

}  // namespace evalrun::model::tok
