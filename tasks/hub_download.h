#pragma once
// Downloads a dataset repository snapshot from the Hugging Face Hub (or a mirror named by HF_ENDPOINT)
// with libcurl: resumable (.incomplete files continued with Range requests), verified by size and
// sha256 (LFS) or git blob sha1, offline mode honoured (HF_HUB_OFFLINE=1).
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace evalrun::tasks {

struct HubPullOptions {
  std::string repo = "MERA-evaluation/MERA";  // dataset repository id
  std::string revision = "main";
  std::filesystem::path to;                   // destination folder (created)
  std::string endpoint;                       // empty: $HF_ENDPOINT or https://huggingface.co
  std::string token;                          // empty: $HF_TOKEN
  bool offline = false;                       // also set by HF_HUB_OFFLINE=1
  std::vector<std::string> only_prefixes;     // download only paths starting with one of these
  int max_attempts = 4;
  double timeout_s = 300;
};

struct HubFile {
  std::string path;
  long long size = -1;
  std::string sha256;    // LFS files
  std::string git_sha1;  // git blob id (non-LFS files)
};

struct HubPullReport {
  std::vector<HubFile> files;
  int downloaded = 0;
  int already_present = 0;
  int resumed = 0;
};

// Throws UserError naming the file/URL and the HTTP status on failure.
HubPullReport pull_dataset(const HubPullOptions& options,
                           const std::function<void(const std::string&)>& log = nullptr);

// Resolves the defaults from the environment (HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE).
HubPullOptions with_environment_defaults(HubPullOptions options);

}  // namespace evalrun::tasks
