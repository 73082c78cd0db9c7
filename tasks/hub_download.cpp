#include "tasks/hub_download.h"

#include <curl/curl.h>
#include <openssl/evp.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/errors.h"

namespace evalrun::tasks {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
constexpr const char* kManifest = ".evalrun-hub-manifest.json";

std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

struct Response {
  long status = 0;
  std::string body;
  std::string next_link;  // pagination (Link: <...>; rel="next")
  CURLcode code = CURLE_OK;
  std::string error;
};

size_t append_body(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t parse_header(char* data, size_t size, size_t count, void* user) {
  std::string line(data, size * count);
  auto* response = static_cast<Response*>(user);
  if (line.size() > 5 && (line.rfind("Link:", 0) == 0 || line.rfind("link:", 0) == 0)) {
    const size_t next = line.find("rel=\"next\"");
    const size_t open = line.find('<'), close = line.find('>');
    if (next != std::string::npos && open != std::string::npos && close > open)
      response->next_link = line.substr(open + 1, close - open - 1);
  }
  return size * count;
}

class Curl {
 public:
  Curl() : handle_(curl_easy_init()) {
    if (!handle_) throw std::runtime_error("curl_easy_init failed");
  }
  ~Curl() { curl_easy_cleanup(handle_); }
  CURL* get() const { return handle_; }

 private:
  CURL* handle_;
};

struct Headers {
  curl_slist* list = nullptr;
  ~Headers() { curl_slist_free_all(list); }
  void add(const std::string& header) { list = curl_slist_append(list, header.c_str()); }
};

void common_options(CURL* curl, const HubPullOptions& options, Headers& headers) {
  if (!options.token.empty()) headers.add("Authorization: Bearer " + options.token);
  headers.add("User-Agent: evalrun");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 30L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(options.timeout_s));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
}

Response get_text(const std::string& url, const HubPullOptions& options) {
  Curl curl;
  Headers headers;
  Response response;
  common_options(curl.get(), options, headers);
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl.get(), CURLOPT_HEADERFUNCTION, parse_header);
  curl_easy_setopt(curl.get(), CURLOPT_HEADERDATA, &response);
  response.code = curl_easy_perform(curl.get());
  if (response.code != CURLE_OK) response.error = curl_easy_strerror(response.code);
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

bool retryable(const Response& r) {
  return r.code != CURLE_OK || r.status == 408 || r.status == 429 || r.status >= 500;
}

void backoff(int attempt) { std::this_thread::sleep_for(std::chrono::milliseconds(200 << attempt)); }

std::string describe_failure(const Response& r) {
  return r.code != CURLE_OK ? r.error : "HTTP " + std::to_string(r.status);
}

std::string file_digest(const fs::path& path, const EVP_MD* md, const std::string& prefix) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), md, nullptr);
  EVP_DigestUpdate(ctx.get(), prefix.data(), prefix.size());
  std::ifstream in(path, std::ios::binary);
  std::vector<char> buffer(1 << 16);
  while (in) {
    in.read(buffer.data(), buffer.size());
    EVP_DigestUpdate(ctx.get(), buffer.data(), in.gcount());
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &len);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

// Whether the local file matches the Hub's size and hash.
bool verified(const fs::path& path, const HubFile& file) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return false;
  const long long size = static_cast<long long>(fs::file_size(path, ec));
  if (file.size >= 0 && size != file.size) return false;
  if (!file.sha256.empty()) return file_digest(path, EVP_sha256(), "") == file.sha256;
  if (!file.git_sha1.empty())
    return file_digest(path, EVP_sha1(), "blob " + std::to_string(size) + std::string(1, '\0')) == file.git_sha1;
  return true;
}

std::vector<HubFile> list_files(const HubPullOptions& options) {
  std::vector<HubFile> files;
  std::string url = options.endpoint + "/api/datasets/" + options.repo + "/tree/" + options.revision + "?recursive=1";
  while (!url.empty()) {
    Response response;
    for (int attempt = 0;; ++attempt) {
      response = get_text(url, options);
      if (!retryable(response) || attempt + 1 >= options.max_attempts) break;
      backoff(attempt);
    }
    if (response.status == 401 || response.status == 403)
      throw UserError(url + ": HTTP " + std::to_string(response.status) + " (set HF_TOKEN to a token with access)");
    if (response.status == 404)
      throw UserError(url + ": HTTP 404 (unknown dataset '" + options.repo + "' or revision '" + options.revision + "')");
    if (response.code != CURLE_OK || response.status != 200)
      throw UserError(url + ": listing failed: " + describe_failure(response));
    json listing;
    try {
      listing = json::parse(response.body);
    } catch (const json::exception&) {
      throw UserError(url + ": expected a JSON file listing, got malformed JSON");
    }
    if (!listing.is_array()) throw UserError(url + ": expected a JSON array of files");
    for (const auto& entry : listing) {
      if (entry.value("type", "") != "file") continue;
      HubFile file;
      file.path = entry.value("path", "");
      file.size = entry.value("size", -1LL);
      file.git_sha1 = entry.value("oid", "");
      if (entry.contains("lfs") && entry["lfs"].is_object()) {
        file.sha256 = entry["lfs"].value("oid", "");
        file.size = entry["lfs"].value("size", file.size);
      }
      if (file.path.empty() || file.path.find("..") != std::string::npos || file.path[0] == '/')
        throw UserError(url + ": unsafe file path in listing: '" + file.path + "'");
      bool wanted = options.only_prefixes.empty();
      for (const auto& prefix : options.only_prefixes) wanted |= file.path.rfind(prefix, 0) == 0;
      if (wanted) files.push_back(file);
    }
    url = response.next_link;
  }
  return files;
}

struct DownloadState {
  std::ofstream* out;
  long status = 0;
};

// Downloads one file into <dest>.incomplete (continuing it when present), then renames it.
bool download(const HubPullOptions& options, const HubFile& file, const fs::path& dest, bool& resumed) {
  const fs::path partial = dest.string() + ".incomplete";
  const std::string url = options.endpoint + "/datasets/" + options.repo + "/resolve/" + options.revision + "/" + file.path;
  Response last;
  for (int attempt = 0; attempt < options.max_attempts; ++attempt) {
    if (attempt > 0) backoff(attempt - 1);
    std::error_code ec;
    const long long have = fs::exists(partial, ec) ? static_cast<long long>(fs::file_size(partial, ec)) : 0;
    if (file.size >= 0 && have > file.size) fs::remove(partial, ec);
    const long long offset = fs::exists(partial, ec) ? have : 0;

    Curl curl;
    Headers headers;
    if (offset > 0) headers.add("Range: bytes=" + std::to_string(offset) + "-");
    common_options(curl.get(), options, headers);
    std::string first_bytes;  // body of error responses
    std::ofstream out;
    struct Sink {
      std::ofstream* out;
      std::string* error_body;
      CURL* curl;
      long long offset;
      const fs::path* partial;
      bool opened = false;
    } sink{&out, &first_bytes, curl.get(), offset, &partial};
    auto write = [](char* data, size_t size, size_t count, void* user) -> size_t {
      auto* s = static_cast<Sink*>(user);
      long status = 0;
      curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
      if (status != 200 && status != 206) {
        if (s->error_body->size() < 4096) s->error_body->append(data, size * count);
        return size * count;
      }
      if (!s->opened) {  // 200 = the server ignored Range: start over
        const bool append = status == 206 && s->offset > 0;
        s->out->open(*s->partial, std::ios::binary | (append ? std::ios::app : std::ios::trunc));
        s->opened = true;
      }
      s->out->write(data, static_cast<std::streamsize>(size * count));
      return s->out->good() ? size * count : 0;
    };
    curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, static_cast<size_t (*)(char*, size_t, size_t, void*)>(write));
    curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &sink);
    last = Response{};
    last.code = curl_easy_perform(curl.get());
    if (last.code != CURLE_OK) last.error = curl_easy_strerror(last.code);
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &last.status);
    out.close();
    if (last.code == CURLE_OK && last.status == 416 && offset > 0) {  // already complete
      if (verified(partial, file)) break;
      fs::remove(partial, ec);
      continue;
    }
    if (last.code == CURLE_OK && (last.status == 200 || last.status == 206)) {
      if (offset > 0 && last.status == 206) resumed = true;
      if (verified(partial, file)) break;
      fs::remove(partial, ec);  // wrong content: never keep it
      last.error = "size or checksum mismatch";
      last.code = CURLE_WRITE_ERROR;
      continue;
    }
    if (last.status == 401 || last.status == 403 || last.status == 404)
      throw UserError(url + ": HTTP " + std::to_string(last.status) +
                      (last.status == 404 ? "" : " (set HF_TOKEN to a token with access)"));
    if (!retryable(last)) break;
  }
  std::error_code ec;
  if (!fs::exists(partial, ec) || !verified(partial, file))
    throw UserError(url + ": download failed after " + std::to_string(options.max_attempts) +
                    " attempts: " + describe_failure(last));
  fs::rename(partial, dest);
  return true;
}

void write_manifest(const HubPullOptions& options, const std::vector<HubFile>& files) {
  json manifest = {{"repo", options.repo}, {"revision", options.revision}, {"files", json::array()}};
  for (const auto& f : files)
    manifest["files"].push_back({{"path", f.path}, {"size", f.size}, {"sha256", f.sha256}, {"git_sha1", f.git_sha1}});
  const fs::path tmp = options.to / (std::string(kManifest) + ".tmp");
  std::ofstream(tmp) << manifest.dump(1);
  fs::rename(tmp, options.to / kManifest);
}

HubPullReport verify_offline(const HubPullOptions& options) {
  const fs::path manifest_path = options.to / kManifest;
  if (!fs::exists(manifest_path))
    throw UserError(manifest_path.string() + ": offline mode (HF_HUB_OFFLINE=1) and no earlier pull into " +
                    options.to.string() + "; run `evalrun data pull` once while online");
  json manifest;
  try {
    manifest = json::parse(std::ifstream(manifest_path));
  } catch (const json::exception&) {
    throw UserError(manifest_path.string() + ": malformed manifest; delete it and pull again");
  }
  HubPullReport report;
  for (const auto& entry : manifest.at("files")) {
    HubFile file{entry.value("path", ""), entry.value("size", -1LL), entry.value("sha256", ""),
                 entry.value("git_sha1", "")};
    if (!verified(options.to / file.path, file))
      throw UserError((options.to / file.path).string() + ": missing or corrupt, and offline mode forbids downloading it");
    report.files.push_back(file);
    ++report.already_present;
  }
  return report;
}

}  // namespace

HubPullOptions with_environment_defaults(HubPullOptions options) {
  if (options.endpoint.empty()) options.endpoint = env_or("HF_ENDPOINT", "https://huggingface.co");
  while (!options.endpoint.empty() && options.endpoint.back() == '/') options.endpoint.pop_back();
  if (options.token.empty()) options.token = env_or("HF_TOKEN", env_or("HUGGING_FACE_HUB_TOKEN", ""));
  const std::string offline = env_or("HF_HUB_OFFLINE", "0");
  if (offline == "1" || offline == "true" || offline == "TRUE" || offline == "yes") options.offline = true;
  return options;
}

HubPullReport pull_dataset(const HubPullOptions& options, const std::function<void(const std::string&)>& log) {
  if (options.to.empty()) throw UserError("--to: a destination folder is required");
  std::error_code ec;
  fs::create_directories(options.to, ec);
  if (ec) throw UserError(options.to.string() + ": cannot create folder: " + ec.message());
  if (options.offline) return verify_offline(options);

  static const bool curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  if (!curl_ready) throw std::runtime_error("curl_global_init failed");
  HubPullReport report;
  report.files = list_files(options);
  if (report.files.empty()) throw UserError(options.repo + "@" + options.revision + ": no files matched");
  for (const HubFile& file : report.files) {
    const fs::path dest = options.to / file.path;
    fs::create_directories(dest.parent_path());
    if (verified(dest, file)) {
      ++report.already_present;
      continue;
    }
    bool resumed = false;
    download(options, file, dest, resumed);
    ++report.downloaded;
    report.resumed += resumed ? 1 : 0;
    if (log) log(file.path + (resumed ? " (resumed)" : ""));
  }
  write_manifest(options, report.files);
  return report;
}

}  // namespace evalrun::tasks
