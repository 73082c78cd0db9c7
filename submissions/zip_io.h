#pragma once
// Zip archives through libzip: whole-archive reads and atomic writes.
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace evalrun::submissions {

struct ZipEntry {
  std::string name;  // path inside the archive
  std::string data;
  bool is_dir = false;
};

// Writes the entries (in order) to `path` under a temporary name, then renames it into place.
void write_zip_atomic(const std::filesystem::path& path, const std::vector<ZipEntry>& entries);
// The bytes of a zip holding the entries (for a zip inside a zip).
std::string zip_bytes(const std::vector<ZipEntry>& entries);
// Every entry of the archive; throws UserError naming the file when it is not a readable zip.
std::vector<ZipEntry> read_zip(const std::filesystem::path& path);
std::vector<ZipEntry> read_zip_bytes(const std::string& bytes, const std::string& label);

}  // namespace evalrun::submissions
