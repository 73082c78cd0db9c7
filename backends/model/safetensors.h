#pragma once
// safetensors files (single or sharded via model.safetensors.index.json), memory-mapped read-only, with
// the header validated up front (offsets, sizes, dtypes) so bad files fail before any compute.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace evalrun::model {

enum class WeightDType : uint8_t { kF32, kBF16, kF16 };
size_t weight_dtype_size(WeightDType t);
const char* weight_dtype_name(WeightDType t);  // "F32", "BF16", "F16"

struct SafetensorsEntry {
  std::string name;
  WeightDType dtype = WeightDType::kF32;
  std::vector<int64_t> shape;
  const void* data = nullptr;  // inside the mapping
  size_t bytes = 0;
  std::string file;  // for error messages
};

// One memory-mapped .safetensors file.
class SafetensorsFile {
 public:
  // Throws UserError naming the file (and tensor) on any malformed header.
  explicit SafetensorsFile(const std::filesystem::path& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::map<std::string, SafetensorsEntry>& entries() const { return entries_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  void* map_ = nullptr;
  size_t map_size_ = 0;
  std::map<std::string, SafetensorsEntry> entries_;
};

// All weights of a model directory: model.safetensors, or the shards listed by
// model.safetensors.index.json (every listed tensor must be in its shard).
class SafetensorsSet {
 public:
  static std::shared_ptr<SafetensorsSet> open(const std::filesystem::path& model_dir);
  const SafetensorsEntry* find(const std::string& name) const;
  const std::map<std::string, const SafetensorsEntry*>& all() const { return index_; }
  // Total bytes of all tensors (for memory reporting).
  size_t total_bytes() const;

 private:
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, const SafetensorsEntry*> index_;
};

// Writes a safetensors file (tensors in the order given). Used by make-test-model and tests.
struct SafetensorsOut {
  std::string name;
  WeightDType dtype;
  std::vector<int64_t> shape;
  std::string bytes;  // raw little-endian data, size = prod(shape) * dtype size
};
void write_safetensors(const std::filesystem::path& path, const std::vector<SafetensorsOut>& tensors);

// bf16/f16 <-> f32 (round-to-nearest-even for f32 -> bf16).
float bf16_to_f32(uint16_t v);
uint16_t f32_to_bf16(float v);
float f16_to_f32(uint16_t v);

}  // namespace evalrun::model
