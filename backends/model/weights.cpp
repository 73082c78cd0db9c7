#include "backends/model/weights.h"

#include <set>

#include "common/errors.h"

namespace evalrun::model {

namespace fs = std::filesystem;

namespace {

std::string shape_str(const std::vector<int64_t>& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

}  // namespace

ModelWeights load_model_weights(const fs::path& dir) {
  if (!fs::is_directory(dir)) throw UserError(dir.string() + ": not a model directory");
  ModelWeights w;
  w.spec = make_model_spec(load_model_config(dir / "config.json"));
  w.files = SafetensorsSet::open(dir);
  w.layers.resize(w.spec.config.num_layers);
  std::set<std::string> used;
  for (const TensorSpec& t : w.spec.tensors) {
    const SafetensorsEntry* e = w.files->find(t.name);
    if (!e) throw UserError(dir.string() + ": tensor '" + t.name + "' missing from the checkpoint (expected shape " +
                            shape_str(t.shape) + " for " + w.spec.config.architecture + ")");
    if (e->shape != t.shape)
      throw UserError(e->file + ": tensor '" + t.name + "' has shape " + shape_str(e->shape) + ", config.json implies " +
                      shape_str(t.shape));
    used.insert(t.name);
    HostWeight hw{e->data, e->dtype, t.rows, t.cols};
    w.bytes += e->bytes;
    switch (t.role) {
      case WeightRole::kEmbed: w.embed = hw; break;
      case WeightRole::kFinalNorm: w.final_norm = hw; break;
      case WeightRole::kLmHead: w.lm_head = hw; break;
      default: w.layers[t.layer][static_cast<size_t>(t.role)] = hw;
    }
  }
  if (w.spec.config.tie_word_embeddings) w.lm_head = w.embed;
  for (auto& [name, e] : w.files->all())
    if (!used.count(name) && !is_ignorable_tensor(w.spec, name))
      throw UserError(e->file + ": unexpected tensor '" + name + "' for " + w.spec.config.architecture +
                      " (config.json and checkpoint disagree?)");
  return w;
}

}  // namespace evalrun::model
