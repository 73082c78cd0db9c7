#include "backends/model/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "common/errors.h"

namespace evalrun::model {

namespace fs = std::filesystem;
using nlohmann::json;

size_t weight_dtype_size(WeightDType t) { return t == WeightDType::kF32 ? 4 : 2; }

const char* weight_dtype_name(WeightDType t) {
  switch (t) {
    case WeightDType::kF32: return "F32";
    case WeightDType::kBF16: return "BF16";
    case WeightDType::kF16: return "F16";
  }
  return "?";
}

float bf16_to_f32(uint16_t v) {
  uint32_t bits = static_cast<uint32_t>(v) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t f32_to_bf16(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, 4);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x40);  // NaN stays NaN
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(bits >> 16);
}

float f16_to_f32(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu, bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      exp = 127 - 15 + 1;
      while (!(mant & 0x400u)) { mant <<= 1; --exp; }
      bits = sign | (exp << 23) | ((mant & 0x3ffu) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

namespace {

[[noreturn]] void fail(const fs::path& file, const std::string& what) {
  throw UserError(file.string() + ": " + what);
}

bool parse_dtype(const std::string& s, WeightDType* out) {
  if (s == "F32") *out = WeightDType::kF32;
  else if (s == "BF16") *out = WeightDType::kBF16;
  else if (s == "F16") *out = WeightDType::kF16;
  else return false;
  return true;
}

}  // namespace

SafetensorsFile::SafetensorsFile(const fs::path& path) : path_(path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(path, std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    fail(path, "cannot stat");
  }
  map_size_ = static_cast<size_t>(st.st_size);
  if (map_size_ < 8) {
    ::close(fd);
    fail(path, "truncated safetensors file (" + std::to_string(map_size_) + " bytes, expected an 8-byte header length)");
  }
  map_ = ::mmap(nullptr, map_size_, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map_ == MAP_FAILED) {
    map_ = nullptr;
    fail(path, "mmap failed");
  }
  const auto* base = static_cast<const unsigned char*>(map_);
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | base[i];
  if (header_len > map_size_ - 8)
    fail(path, "header length " + std::to_string(header_len) + " exceeds the file size " + std::to_string(map_size_) +
                   " (truncated or not a safetensors file)");
  json header;
  try {
    header = json::parse(std::string_view(reinterpret_cast<const char*>(base + 8), header_len));
  } catch (const json::exception& e) {
    fail(path, std::string("header is not valid JSON: ") + e.what());
  }
  if (!header.is_object()) fail(path, "header must be a JSON object");
  const size_t data_start = 8 + header_len;
  const size_t data_size = map_size_ - data_start;
  std::vector<std::pair<size_t, size_t>> ranges;
  for (auto& [name, info] : header.items()) {
    if (name == "__metadata__") continue;
    const std::string where = "tensor '" + name + "'";
    if (!info.is_object() || !info.contains("dtype") || !info.contains("shape") || !info.contains("data_offsets"))
      fail(path, where + ": expected an object with dtype, shape and data_offsets");
    SafetensorsEntry e;
    e.name = name;
    e.file = path.string();
    if (!info["dtype"].is_string()) fail(path, where + ": dtype must be a string");
    std::string dt = info["dtype"].get<std::string>();
    if (!parse_dtype(dt, &e.dtype)) fail(path, where + ": unsupported dtype " + dt + " (expected F32, BF16 or F16)");
    if (!info["shape"].is_array()) fail(path, where + ": shape must be an array");
    size_t count = 1;
    for (auto& d : info["shape"]) {
      if (!d.is_number_integer() || d.get<int64_t>() < 0) fail(path, where + ": shape entries must be non-negative integers");
      e.shape.push_back(d.get<int64_t>());
      count *= static_cast<size_t>(d.get<int64_t>());
    }
    auto& off = info["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
      fail(path, where + ": data_offsets must be [begin, end]");
    size_t begin = off[0].get<size_t>(), end = off[1].get<size_t>();
    if (begin > end || end > data_size)
      fail(path, where + ": data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                     "] outside the data section of " + std::to_string(data_size) + " bytes (truncated file?)");
    e.bytes = end - begin;
    if (e.bytes != count * weight_dtype_size(e.dtype))
      fail(path, where + ": " + std::to_string(e.bytes) + " bytes for shape of " + std::to_string(count) + " " + dt +
                     " elements");
    e.data = base + data_start + begin;
    ranges.emplace_back(begin, end);
    entries_.emplace(name, std::move(e));
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i)
    if (ranges[i].first < ranges[i - 1].second) fail(path, "tensor data ranges overlap");
}

SafetensorsFile::~SafetensorsFile() {
  if (map_) ::munmap(map_, map_size_);
}

std::shared_ptr<SafetensorsSet> SafetensorsSet::open(const fs::path& dir) {
  auto set = std::make_shared<SafetensorsSet>();
  const fs::path single = dir / "model.safetensors";
  const fs::path index_path = dir / "model.safetensors.index.json";
  if (fs::exists(index_path)) {
    json index;
    std::ifstream in(index_path);
    try {
      index = json::parse(in);
    } catch (const json::exception& e) {
      fail(index_path, std::string("not valid JSON: ") + e.what());
    }
    if (!index.contains("weight_map") || !index["weight_map"].is_object())
      fail(index_path, "expected an object 'weight_map' {tensor: shard file}");
    std::map<std::string, size_t> shard_of_file;
    for (auto& [name, file] : index["weight_map"].items()) {
      if (!file.is_string()) fail(index_path, "weight_map['" + name + "'] must be a file name");
      std::string f = file.get<std::string>();
      if (f.find('/') != std::string::npos || f.find("..") != std::string::npos)
        fail(index_path, "weight_map['" + name + "']: shard '" + f + "' must be a file in the model directory");
      if (!shard_of_file.count(f)) {
        if (!fs::exists(dir / f)) fail(index_path, "shard '" + f + "' (for tensor '" + name + "') is missing");
        shard_of_file[f] = set->files_.size();
        set->files_.push_back(std::make_unique<SafetensorsFile>(dir / f));
      }
      const auto& entries = set->files_[shard_of_file[f]]->entries();
      auto it = entries.find(name);
      if (it == entries.end()) fail(dir / f, "tensor '" + name + "' listed in the index is not in this shard");
      set->index_[name] = &it->second;
    }
    for (auto& file : set->files_)
      for (auto& [name, e] : file->entries())
        if (!set->index_.count(name))
          fail(file->path(), "tensor '" + name + "' is not listed in model.safetensors.index.json");
  } else if (fs::exists(single)) {
    set->files_.push_back(std::make_unique<SafetensorsFile>(single));
    for (auto& [name, e] : set->files_[0]->entries()) set->index_[name] = &e;
  } else {
    throw UserError(dir.string() + ": no model.safetensors or model.safetensors.index.json");
  }
  return set;
}

const SafetensorsEntry* SafetensorsSet::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : it->second;
}

size_t SafetensorsSet::total_bytes() const {
  size_t total = 0;
  for (auto& [n, e] : index_) total += e->bytes;
  return total;
}

void write_safetensors(const fs::path& path, const std::vector<SafetensorsOut>& tensors) {
  json header = json::object();
  size_t offset = 0;
  for (const auto& t : tensors) {
    size_t count = 1;
    for (auto d : t.shape) count *= static_cast<size_t>(d);
    if (count * weight_dtype_size(t.dtype) != t.bytes.size())
      throw std::logic_error("write_safetensors: size mismatch for " + t.name);
    header[t.name] = {{"dtype", weight_dtype_name(t.dtype)}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.bytes.size()}}};
    offset += t.bytes.size();
  }
  std::string h = header.dump();
  while ((8 + h.size()) % 8) h.push_back(' ');
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw UserError(tmp.string() + ": cannot write");
    unsigned char len[8];
    for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>((static_cast<uint64_t>(h.size()) >> (8 * i)) & 0xff);
    out.write(reinterpret_cast<const char*>(len), 8);
    out.write(h.data(), static_cast<std::streamsize>(h.size()));
    for (const auto& t : tensors) out.write(t.bytes.data(), static_cast<std::streamsize>(t.bytes.size()));
    if (!out) throw UserError(tmp.string() + ": write failed");
  }
  fs::rename(tmp, path);
}

}  // namespace evalrun::model
