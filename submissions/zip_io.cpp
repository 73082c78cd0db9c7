#include "submissions/zip_io.h"

#include <unistd.h>
#include <zip.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "common/errors.h"

namespace evalrun::submissions {
namespace fs = std::filesystem;

namespace {

std::string zip_message(zip_error_t* error) {
  const char* s = zip_error_strerror(error);
  return s ? s : "unknown libzip error";
}

void add_entries(zip_t* za, const std::vector<ZipEntry>& entries, const std::string& label) {
  for (const auto& e : entries) {
    if (e.is_dir) {
      if (zip_dir_add(za, e.name.c_str(), ZIP_FL_ENC_UTF_8) < 0)
        throw UserError(label + ": cannot add folder '" + e.name + "': " + zip_strerror(za));
      continue;
    }
    // libzip reads the buffer at zip_close: the entries outlive the archive handle here.
    zip_source_t* src = zip_source_buffer(za, e.data.data(), e.data.size(), 0);
    if (!src || zip_file_add(za, e.name.c_str(), src, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE) < 0) {
      if (src) zip_source_free(src);
      throw UserError(label + ": cannot add '" + e.name + "': " + zip_strerror(za));
    }
  }
}

void write_zip_file(const fs::path& path, const std::vector<ZipEntry>& entries) {
  int err = 0;
  zip_t* za = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  if (!za) {
    zip_error_t e;
    zip_error_init_with_code(&e, err);
    const std::string msg = zip_message(&e);
    zip_error_fini(&e);
    throw UserError(path.string() + ": cannot create zip: " + msg);
  }
  try {
    add_entries(za, entries, path.string());
  } catch (...) {
    zip_discard(za);
    throw;
  }
  if (zip_close(za) < 0) {
    const std::string msg = zip_strerror(za);
    zip_discard(za);
    throw UserError(path.string() + ": cannot write zip: " + msg);
  }
}

std::vector<ZipEntry> read_all(zip_t* za, const std::string& label) {
  std::vector<ZipEntry> out;
  const zip_int64_t n = zip_get_num_entries(za, 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(za, static_cast<zip_uint64_t>(i), 0, &st) < 0 || !st.name)
      throw UserError(label + ": unreadable zip entry #" + std::to_string(i));
    ZipEntry e;
    e.name = st.name;
    e.is_dir = !e.name.empty() && e.name.back() == '/';
    if (!e.is_dir) {
      zip_file_t* f = zip_fopen_index(za, static_cast<zip_uint64_t>(i), 0);
      if (!f) throw UserError(label + ": cannot open zip entry '" + e.name + "': " + zip_strerror(za));
      e.data.resize(static_cast<size_t>(st.size));
      zip_int64_t got = e.data.empty() ? 0 : zip_fread(f, e.data.data(), e.data.size());
      zip_fclose(f);
      if (got < 0 || static_cast<zip_uint64_t>(got) != st.size)
        throw UserError(label + ": cannot read zip entry '" + e.name + "' (corrupt archive)");
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

void write_zip_atomic(const fs::path& path, const std::vector<ZipEntry>& entries) {
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  const fs::path tmp = path.string() + ".tmp-" + std::to_string(::getpid());
  fs::remove(tmp, ec);
  try {
    write_zip_file(tmp, entries);
  } catch (...) {
    fs::remove(tmp, ec);
    throw;
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw UserError(path.string() + ": cannot rename the finished zip into place: " + ec.message());
  }
}

std::string zip_bytes(const std::vector<ZipEntry>& entries) {
  const fs::path tmp = fs::temp_directory_path() / ("evalrun-inner-" + std::to_string(::getpid()) + ".zip");
  std::error_code ec;
  fs::remove(tmp, ec);
  write_zip_file(tmp, entries);
  std::ifstream in(tmp, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  fs::remove(tmp, ec);
  return ss.str();
}

std::vector<ZipEntry> read_zip(const fs::path& path) {
  int err = 0;
  zip_t* za = zip_open(path.c_str(), ZIP_RDONLY, &err);
  if (!za) {
    zip_error_t e;
    zip_error_init_with_code(&e, err);
    const std::string msg = zip_message(&e);
    zip_error_fini(&e);
    throw UserError(path.string() + ": not a readable zip archive (" + msg + ")");
  }
  std::unique_ptr<zip_t, void (*)(zip_t*)> guard(za, [](zip_t* z) { zip_discard(z); });
  return read_all(za, path.string());
}

std::vector<ZipEntry> read_zip_bytes(const std::string& bytes, const std::string& label) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  if (!src) throw UserError(label + ": " + zip_message(&error));
  zip_t* za = zip_open_from_source(src, ZIP_RDONLY, &error);
  if (!za) {
    zip_source_free(src);
    const std::string msg = zip_message(&error);
    zip_error_fini(&error);
    throw UserError(label + ": not a readable zip archive (" + msg + ")");
  }
  std::unique_ptr<zip_t, void (*)(zip_t*)> guard(za, [](zip_t* z) { zip_discard(z); });
  return read_all(za, label);
}

}  // namespace evalrun::submissions
