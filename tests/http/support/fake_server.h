#pragma once
// Starts tools/fake_openai_server as a child process on 127.0.0.1 (ephemeral port) for one test, and
// reads its /stats. Header-only so that every tests/http/*_test.cpp can use it.
#include <curl/curl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

extern char** environ;

namespace evalrun::http::testing {

inline std::string fake_server_path() {
  return std::string(EVALRUN_BINARY_DIR) + "/tools/fake_openai_server/fake_openai_server";
}

class FakeServer {
 public:
  explicit FakeServer(std::vector<std::string> args = {}) {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe failed");
    std::vector<std::string> argv_s = {fake_server_path(), "--port", "0"};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    if (rc != 0) {
      close(out[0]);
      throw std::runtime_error("cannot start " + fake_server_path());
    }
    FILE* f = fdopen(out[0], "r");
    int port = 0;
    if (std::fscanf(f, "PORT %d", &port) != 1 || port <= 0) {
      std::fclose(f);
      throw std::runtime_error("fake_openai_server did not report its port");
    }
    std::fclose(f);
    port_ = port;
  }
  ~FakeServer() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;

  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }

  nlohmann::json stats() const {
    CURL* curl = curl_easy_init();
    std::string body;
    const std::string url = "http://127.0.0.1:" + std::to_string(port_) + "/stats";
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, +[](char* d, size_t s, size_t n, void* u) {
      static_cast<std::string*>(u)->append(d, s * n);
      return s * n;
    });
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
    const CURLcode rc = curl_easy_perform(curl);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK) throw std::runtime_error("GET /stats failed");
    return nlohmann::json::parse(body);
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace evalrun::http::testing
