// fake_openai_server: a single-threaded epoll HTTP/1.1 server speaking enough of the OpenAI protocol for
// evalrun's HTTP backend tests and benchmark, with fault injection.
//
//   fake_openai_server [--port N] [--faults PLAN] [--fault-every K] [--max-n K] [--max-stop K]
//                      [--reject-max-tokens-zero] [--no-logprobs] [--slow-ms MS] [--require-key KEY]
//
// Prints "PORT <n>" on stdout once listening (port 0 = ephemeral). PLAN is a comma-separated list of
// faults given to the successive attempts of every distinct request (same path + body): "429,500" means
// attempt 1 gets a 429, attempt 2 a 500, attempt 3 the answer. "always:KIND" gives KIND to every attempt.
// With --fault-every K only requests whose hash is divisible by K get faults. Kinds:
//   429 (Retry-After: 1), 429-date (Retry-After as an HTTP date), 408, 409, 500, 502, 503: that status;
//   stall: never answers (the client must time out); reset: closes the connection with a TCP RST;
//   truncated: 200 with half of the JSON body; partial: Content-Length larger than the bytes sent, then
//   close; invalid-json: 200 with a non-JSON body; empty-choices: 200 with "choices": [];
//   slow: the answer after --slow-ms (default 300) milliseconds.
// GET /stats returns counters as JSON: requests, successes, distinct, duplicates (distinct requests
// answered successfully more than once), faults, max_stop_seen, max_n_seen, auth_seen, connections
// (accepted TCP connections).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iostream>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "fake_model.h"

namespace {

using nlohmann::json;

struct Options {
  int port = 0;
  std::vector<std::string> plan;
  bool always = false;
  uint64_t fault_every = 1;
  int slow_ms = 300;
  std::string require_key;
  fake_openai::ModelSettings model;
};

struct Conn {
  int fd = -1;
  uint64_t id = 0;
  std::string in, out;
  bool close_after_write = false;
  bool stalled = false;
};

struct Stats {
  uint64_t requests = 0, successes = 0, faults = 0, duplicates = 0, auth_seen = 0, connections = 0;
  long max_stop_seen = 0, max_n_seen = 0;
  std::unordered_map<uint64_t, std::pair<uint32_t, uint32_t>> per_key;  // attempts, successes
};

struct Delayed {
  double due;
  int fd;
  uint64_t id;
  std::string response;
};

Options g_options;
Stats g_stats;
int g_epoll = -1;
std::unordered_map<int, Conn> g_conns;
std::vector<Delayed> g_delayed;
uint64_t g_next_id = 1;

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

std::string response(int status, const std::string& body, const std::string& extra_headers = "",
                     long content_length = -1) {
  std::string r = "HTTP/1.1 " + std::to_string(status) + " " + reason(status) + "\r\n";
  r += "Content-Type: application/json\r\nContent-Length: " +
       std::to_string(content_length >= 0 ? content_length : static_cast<long>(body.size())) + "\r\n";
  r += extra_headers;
  r += "\r\n";
  r += body;
  return r;
}

void update_events(Conn& c) {
  epoll_event ev{};
  ev.events = c.out.empty() ? EPOLLIN : (EPOLLIN | EPOLLOUT);
  ev.data.fd = c.fd;
  epoll_ctl(g_epoll, EPOLL_CTL_MOD, c.fd, &ev);
}

void close_conn(int fd, bool reset = false) {
  if (reset) {
    linger l{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  }
  epoll_ctl(g_epoll, EPOLL_CTL_DEL, fd, nullptr);
  close(fd);
  g_conns.erase(fd);
}

// Writes what it can; returns false when the connection was closed.
bool flush(Conn& c) {
  while (!c.out.empty()) {
    const ssize_t n = send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      close_conn(c.fd);
      return false;
    }
    c.out.erase(0, static_cast<size_t>(n));
  }
  if (c.out.empty() && c.close_after_write) {
    shutdown(c.fd, SHUT_WR);
    close_conn(c.fd);
    return false;
  }
  update_events(c);
  return true;
}

std::string stats_json() {
  json s = {{"requests", g_stats.requests},       {"successes", g_stats.successes},
            {"distinct", g_stats.per_key.size()}, {"duplicates", g_stats.duplicates},
            {"faults", g_stats.faults},           {"max_stop_seen", g_stats.max_stop_seen},
            {"max_n_seen", g_stats.max_n_seen},   {"auth_seen", g_stats.auth_seen},
            {"connections", g_stats.connections}};
  return s.dump();
}

std::string http_date(double seconds_ahead) {
  const time_t t = time(nullptr) + static_cast<time_t>(seconds_ahead);
  char buf[64];
  tm g{};
  gmtime_r(&t, &g);
  strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &g);
  return buf;
}

// Handles one complete request; returns false when the connection is gone.
bool handle(Conn& c, const std::string& method, const std::string& path,
            const std::map<std::string, std::string>& headers, const std::string& body) {
  if (method == "GET" && path == "/stats") {
    c.out += response(200, stats_json());
    return true;
  }
  if (method == "GET" && (path == "/v1/models" || path == "/health")) {
    c.out += response(200, R"({"object":"list","data":[{"id":"fake","object":"model"}]})");
    return true;
  }
  const bool chat = path == "/v1/chat/completions" || path == "/chat/completions";
  const bool completions = path == "/v1/completions" || path == "/completions";
  if (method != "POST" || (!chat && !completions)) {
    c.out += response(404, R"({"error":{"message":"not found"}})");
    return true;
  }
  g_stats.requests++;
  auto auth = headers.find("authorization");
  if (auth != headers.end()) g_stats.auth_seen++;
  if (!g_options.require_key.empty() &&
      (auth == headers.end() || auth->second != "Bearer " + g_options.require_key)) {
    // Like OpenAI, echo the key that was sent: the client must keep it out of its error messages.
    const std::string sent = auth == headers.end() ? "" : auth->second;
    c.out += response(401, json{{"error", {{"message", "Incorrect API key provided: " + sent}}}}.dump());
    return true;
  }
  const uint64_t key = fake_openai::fnv1a(path + "\n" + body);
  auto& [attempts, successes] = g_stats.per_key[key];
  const uint32_t attempt = attempts++;

  std::string fault;
  if (!g_options.plan.empty() && key % g_options.fault_every == 0) {
    if (g_options.always)
      fault = g_options.plan[0];
    else if (attempt < g_options.plan.size())
      fault = g_options.plan[attempt];
  }
  json request = json::parse(body, nullptr, false);
  if (request.is_discarded()) {
    c.out += response(400, R"({"error":{"message":"request body is not JSON"}})");
    return true;
  }
  if (request.contains("stop") && request["stop"].is_array())
    g_stats.max_stop_seen = std::max<long>(g_stats.max_stop_seen, static_cast<long>(request["stop"].size()));
  g_stats.max_n_seen = std::max<long>(g_stats.max_n_seen, request.value("n", 1L));

  if (!fault.empty() && fault != "slow") {
    g_stats.faults++;
    const std::string err = R"({"error":{"message":"injected fault"}})";
    if (fault == "429") {
      c.out += response(429, err, "Retry-After: 1\r\n");
    } else if (fault == "429-date") {
      c.out += response(429, err, "Retry-After: " + http_date(2) + "\r\n");
    } else if (fault == "408" || fault == "409" || fault == "500" || fault == "502" || fault == "503") {
      c.out += response(std::stoi(fault), err);
    } else if (fault == "stall") {
      c.stalled = true;  // never answer; the client times out and closes
    } else if (fault == "reset") {
      close_conn(c.fd, /*reset=*/true);
      return false;
    } else {
      const auto reply = fake_openai::answer(request, chat, g_options.model);
      if (fault == "truncated") {
        c.out += response(200, reply.body.substr(0, reply.body.size() / 2));
      } else if (fault == "partial") {
        c.out += response(200, reply.body.substr(0, reply.body.size() / 2), "", static_cast<long>(reply.body.size()));
        c.close_after_write = true;
      } else if (fault == "invalid-json") {
        c.out += response(200, "this is not JSON <html>");
      } else if (fault == "empty-choices") {
        c.out += response(200, R"({"id":"x","object":"chat.completion","choices":[]})");
      } else {
        c.out += response(500, R"({"error":{"message":"unknown fault kind"}})");
      }
    }
    return true;
  }
  const auto reply = fake_openai::answer(request, chat, g_options.model);
  if (reply.status == 200) {
    g_stats.successes++;
    if (++successes == 2) g_stats.duplicates++;
  }
  if (fault == "slow") {
    g_delayed.push_back({now_s() + g_options.slow_ms / 1000.0, c.fd, c.id, response(reply.status, reply.body)});
    c.stalled = true;  // nothing else on this connection until the delayed answer is out
    return true;
  }
  c.out += response(reply.status, reply.body);
  return true;
}

// Parses and handles every complete request in c.in; returns false when the connection is gone.
bool process(Conn& c) {
  while (!c.stalled) {
    const size_t header_end = c.in.find("\r\n\r\n");
    if (header_end == std::string::npos) return true;
    const std::string head = c.in.substr(0, header_end);
    std::map<std::string, std::string> headers;
    size_t line_end = head.find("\r\n");
    const std::string request_line = head.substr(0, line_end);
    while (line_end != std::string::npos) {
      const size_t start = line_end + 2;
      line_end = head.find("\r\n", start);
      const std::string line = head.substr(start, line_end == std::string::npos ? std::string::npos : line_end - start);
      const size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      size_t v = colon + 1;
      while (v < line.size() && line[v] == ' ') v++;
      headers[name] = line.substr(v);
    }
    const size_t length = headers.count("content-length") ? std::stoul(headers["content-length"]) : 0;
    if (c.in.size() < header_end + 4 + length) return true;
    const std::string body = c.in.substr(header_end + 4, length);
    c.in.erase(0, header_end + 4 + length);
    const size_t sp1 = request_line.find(' ');
    const size_t sp2 = request_line.find(' ', sp1 + 1);
    const std::string method = request_line.substr(0, sp1);
    const std::string path = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    if (headers.count("connection") && headers["connection"] == "close") c.close_after_write = true;
    if (!handle(c, method, path, headers, body)) return false;
  }
  return true;
}

void usage_error(const std::string& message) {
  std::cerr << "fake_openai_server: " << message << "\n";
  std::exit(2);
}

void parse_args(int argc, char** argv) {
  for (int i = 1; i < argc; i++) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--port") {
      g_options.port = std::stoi(value());
    } else if (a == "--faults") {
      std::string plan = value();
      if (plan.rfind("always:", 0) == 0) {
        g_options.always = true;
        plan = plan.substr(7);
      }
      size_t start = 0;
      while (start <= plan.size() && !plan.empty()) {
        const size_t comma = plan.find(',', start);
        g_options.plan.push_back(plan.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else if (a == "--fault-every") {
      g_options.fault_every = std::max(1UL, std::stoul(value()));
    } else if (a == "--max-n") {
      g_options.model.max_n = std::stoi(value());
    } else if (a == "--max-stop") {
      g_options.model.max_stop = std::stoi(value());
    } else if (a == "--reject-max-tokens-zero") {
      g_options.model.reject_max_tokens_zero = true;
    } else if (a == "--no-logprobs") {
      g_options.model.no_logprobs = true;
    } else if (a == "--slow-ms") {
      g_options.slow_ms = std::stoi(value());
    } else if (a == "--require-key") {
      g_options.require_key = value();
    } else {
      usage_error("unknown option " + a);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  parse_args(argc, argv);
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(g_options.port));
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) usage_error("bind failed");
  if (listen(listener, 1024) != 0) usage_error("listen failed");
  socklen_t len = sizeof addr;
  getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  std::printf("PORT %d\n", ntohs(addr.sin_port));
  std::fflush(stdout);

  g_epoll = epoll_create1(0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = listener;
  epoll_ctl(g_epoll, EPOLL_CTL_ADD, listener, &ev);
  std::vector<epoll_event> events(256);
  char buffer[65536];
  while (true) {
    int timeout_ms = -1;
    if (!g_delayed.empty()) {
      double next = g_delayed.front().due;
      for (const auto& d : g_delayed) next = std::min(next, d.due);
      timeout_ms = std::max(0, static_cast<int>((next - now_s()) * 1000) + 1);
    }
    const int n = epoll_wait(g_epoll, events.data(), static_cast<int>(events.size()), timeout_ms);
    for (int i = 0; i < n; i++) {
      const int fd = events[i].data.fd;
      if (fd == listener) {
        while (true) {
          const int client = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
          if (client < 0) break;
          g_stats.connections++;
          setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          Conn& c = g_conns[client];
          c.fd = client;
          c.id = g_next_id++;
          epoll_event cev{};
          cev.events = EPOLLIN;
          cev.data.fd = client;
          epoll_ctl(g_epoll, EPOLL_CTL_ADD, client, &cev);
        }
        continue;
      }
      auto it = g_conns.find(fd);
      if (it == g_conns.end()) continue;
      Conn& c = it->second;
      if (events[i].events & EPOLLIN) {
        bool closed = false;
        while (true) {
          const ssize_t got = recv(fd, buffer, sizeof buffer, 0);
          if (got > 0) {
            c.in.append(buffer, static_cast<size_t>(got));
            continue;
          }
          if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) closed = true;
          break;
        }
        if (closed) {
          close_conn(fd);
          continue;
        }
        if (!process(c)) continue;
      }
      flush(c);
    }
    // Send delayed (slow) answers whose time has come.
    const double now = now_s();
    for (size_t i = 0; i < g_delayed.size();) {
      if (g_delayed[i].due > now) {
        i++;
        continue;
      }
      Delayed d = std::move(g_delayed[i]);
      g_delayed.erase(g_delayed.begin() + static_cast<long>(i));
      auto it = g_conns.find(d.fd);
      if (it == g_conns.end() || it->second.id != d.id) continue;
      Conn& c = it->second;
      c.out += d.response;
      c.stalled = false;
      if (process(c)) flush(c);
    }
  }
}
