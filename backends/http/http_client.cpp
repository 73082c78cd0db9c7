#include "backends/http/http_client.h"

#include <curl/curl.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <mutex>
#include <random>

#include "common/errors.h"

namespace evalrun::http {
namespace {

double now_s() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string trim(std::string s) {
  const char* ws = " \t\r\n";
  s.erase(0, s.find_first_not_of(ws));
  const auto end = s.find_last_not_of(ws);
  s.erase(end == std::string::npos ? 0 : end + 1);
  return s;
}

std::string excerpt(const std::string& body) {
  std::string out = body.substr(0, 300);
  for (char& c : out)
    if (c == '\n' || c == '\r') c = ' ';
  if (body.size() > 300) out += "...";
  return out;
}

enum class SlotState { kIdle, kWaiting, kInFlight };

struct Slot {
  std::unique_ptr<Job> job;
  size_t index = 0;
  SlotState state = SlotState::kIdle;
  CURL* easy = nullptr;
  int failures = 0;
  double due = 0;             // when a waiting slot may start
  std::string request_body;   // kept alive while in flight (CURLOPT_POSTFIELDS does not copy)
  std::string response_body;
  std::optional<double> retry_after;
  std::string last_error;
  char error_buffer[CURL_ERROR_SIZE] = {};
};

size_t write_body(char* data, size_t size, size_t count, void* user) {
  static_cast<Slot*>(user)->response_body.append(data, size * count);
  return size * count;
}

size_t read_header(char* data, size_t size, size_t count, void* user) {
  const size_t n = size * count;
  std::string line(data, n);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size()) {
    std::string head = line.substr(0, kName.size());
    std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return std::tolower(c); });
    if (head == kName) static_cast<Slot*>(user)->retry_after = parse_retry_after(line.substr(kName.size()));
  }
  return n;
}

}  // namespace

bool is_retryable_status(long status) {
  return status == 408 || status == 409 || status == 429 || (status >= 500 && status <= 599);
}

std::optional<double> parse_retry_after(const std::string& raw) {
  const std::string value = trim(raw);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return std::isdigit((unsigned char)c) || c == '.'; })) {
    try {
      return std::max(0.0, std::stod(value));
    } catch (...) {
      return std::nullopt;
    }
  }
  const time_t when = curl_getdate(value.c_str(), nullptr);
  if (when < 0) return std::nullopt;
  return std::max(0.0, std::difftime(when, std::time(nullptr)));
}

std::string redact(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;
    for (size_t pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + 3))
      text.replace(pos, secret.size(), "***");
  }
  return text;
}

RateLimiter::RateLimiter(double per_minute) {
  if (per_minute <= 0) return;
  rate_per_s_ = per_minute / 60.0;
  capacity_ = std::max(1.0, rate_per_s_);  // at most one second's worth of burst
  level_ = capacity_;
}

void RateLimiter::refill(double now) {
  if (last_ >= 0) level_ = std::min(capacity_, level_ + (now - last_) * rate_per_s_);
  last_ = now;
}

double RateLimiter::wait_s(double now) {
  if (rate_per_s_ <= 0) return 0;
  refill(now);
  return level_ > 0 ? 0 : (1e-9 - level_) / rate_per_s_;
}

void RateLimiter::take(double cost, double now) {
  if (rate_per_s_ <= 0) return;
  refill(now);
  level_ -= cost;
}

constexpr double kNever = 1e300;

struct HttpClient::Impl {
  CURLM* multi = nullptr;
  curl_slist* headers = nullptr;
  std::vector<Slot> slots;
  std::mt19937_64 rng{std::random_device{}()};
  int epoll = -1;
  std::vector<epoll_event> events = std::vector<epoll_event>(256);
  double timer_due = kNever;  // libcurl's requested timeout (CURLMOPT_TIMERFUNCTION)

  // libcurl tells which sockets to watch for what.
  static int on_socket(CURL*, curl_socket_t fd, int what, void* user, void*) {
    auto* m = static_cast<Impl*>(user);
    if (what == CURL_POLL_REMOVE) {
      epoll_ctl(m->epoll, EPOLL_CTL_DEL, fd, nullptr);
      return 0;
    }
    epoll_event ev{};
    ev.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0u) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0u);
    ev.data.fd = fd;
    if (epoll_ctl(m->epoll, EPOLL_CTL_MOD, fd, &ev) != 0 && errno == ENOENT)
      epoll_ctl(m->epoll, EPOLL_CTL_ADD, fd, &ev);
    return 0;
  }
  static int on_timer(CURLM*, long timeout_ms, void* user) {
    static_cast<Impl*>(user)->timer_due = timeout_ms < 0 ? kNever : now_s() + timeout_ms / 1000.0;
    return 0;
  }

  ~Impl() {
    for (auto& slot : slots) {
      if (slot.easy) {
        if (slot.state == SlotState::kInFlight) curl_multi_remove_handle(multi, slot.easy);
        curl_easy_cleanup(slot.easy);
      }
    }
    if (multi) curl_multi_cleanup(multi);
    curl_slist_free_all(headers);
    if (epoll >= 0) close(epoll);
  }
};

HttpClient::HttpClient(ClientOptions options) : options_(std::move(options)), impl_(std::make_unique<Impl>()) {
  global_init();
  if (options_.concurrency < 1) throw UserError("--concurrency: expected a positive number, got " +
                                                std::to_string(options_.concurrency));
  if (options_.max_retries < 0) throw UserError("--max-retries: expected 0 or more");
  if (options_.timeout_s <= 0) throw UserError("--request-timeout: expected a positive number of seconds");
  impl_->multi = curl_multi_init();
  impl_->epoll = epoll_create1(EPOLL_CLOEXEC);
  curl_multi_setopt(impl_->multi, CURLMOPT_SOCKETFUNCTION, &Impl::on_socket);
  curl_multi_setopt(impl_->multi, CURLMOPT_SOCKETDATA, impl_.get());
  curl_multi_setopt(impl_->multi, CURLMOPT_TIMERFUNCTION, &Impl::on_timer);
  curl_multi_setopt(impl_->multi, CURLMOPT_TIMERDATA, impl_.get());
  curl_multi_setopt(impl_->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  curl_multi_setopt(impl_->multi, CURLMOPT_MAXCONNECTS, static_cast<long>(options_.concurrency + 4));
  impl_->headers = curl_slist_append(impl_->headers, "Content-Type: application/json");
  impl_->headers = curl_slist_append(impl_->headers, "Expect:");  // no 100-continue round trip
  for (const auto& header : options_.headers) impl_->headers = curl_slist_append(impl_->headers, header.c_str());
  impl_->slots.resize(options_.concurrency);
}

HttpClient::~HttpClient() = default;

void HttpClient::run(size_t count, const JobSource& make_job) {
  Impl& m = *impl_;
  const auto& o = options_;
  RateLimiter rpm(o.requests_per_minute), tpm(o.tokens_per_minute);
  size_t next = 0, active = 0;
  // Whatever way run() ends (done, give-up, a throwing callback), no exchange stays attached.
  struct Reset {
    Impl& m;
    ~Reset() {
      for (auto& s : m.slots) {
        if (s.state == SlotState::kInFlight) curl_multi_remove_handle(m.multi, s.easy);
        s.state = SlotState::kIdle;
        s.job.reset();
      }
      m.timer_due = kNever;
    }
  } reset{m};

  auto start = [&](Slot& s) {
    if (!s.easy) s.easy = curl_easy_init();
    CURL* e = s.easy;
    s.request_body = s.job->body();
    s.response_body.clear();
    s.retry_after.reset();
    s.error_buffer[0] = 0;
    curl_easy_setopt(e, CURLOPT_URL, o.url.c_str());
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, m.headers);
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, s.request_body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(s.request_body.size()));
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, read_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &s);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, s.error_buffer);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(o.timeout_s * 1000));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min(o.timeout_s, 30.0) * 1000));
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
    // Over TLS, wait for a connection to learn whether it multiplexes (HTTP/2) rather than open more.
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, o.url.rfind("https://", 0) == 0 ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_PRIVATE, static_cast<void*>(&s));
    const double now = now_s();
    rpm.take(1, now);
    tpm.take(s.job->token_cost(), now);
    curl_multi_add_handle(m.multi, e);
    s.state = SlotState::kInFlight;
  };

  auto fail = [&](Slot& s, const std::string& error, std::optional<double> retry_after) {
    s.last_error = error;
    s.failures++;
    if (s.failures > o.max_retries)
      throw UserError(redact(s.job->describe() + ": giving up after " + std::to_string(s.failures) +
                                 " attempt(s) to " + o.url + "; last error: " + error,
                             o.secrets));
    double delay;
    if (retry_after) {
      delay = std::min(*retry_after, o.max_retry_after_s);
    } else {
      const double backoff = std::min(o.retry_max_delay_s, o.retry_base_delay_s * std::pow(2.0, s.failures - 1));
      delay = backoff * std::uniform_real_distribution<double>(0.5, 1.0)(m.rng);
    }
    s.state = SlotState::kWaiting;
    s.due = now_s() + delay;
  };

  auto finish = [&](Slot& s, CURLcode code) {
    curl_multi_remove_handle(m.multi, s.easy);
    s.state = SlotState::kWaiting;  // detached; the outcome below decides what comes next
    HttpResponse r;
    r.body = std::move(s.response_body);
    r.retry_after_s = s.retry_after;
    if (code != CURLE_OK) {
      r.transport_error = curl_easy_strerror(code);
      if (s.error_buffer[0]) r.transport_error += std::string(" (") + s.error_buffer + ")";
      return fail(s, r.transport_error, std::nullopt);
    }
    curl_easy_getinfo(s.easy, CURLINFO_RESPONSE_CODE, &r.status);
    if (is_retryable_status(r.status))
      return fail(s, "HTTP " + std::to_string(r.status) + ": " + excerpt(r.body), r.retry_after_s);
    const Step step = s.job->handle(r);
    switch (step.kind) {
      case StepKind::kDone:
        s.job.reset();
        s.state = SlotState::kIdle;
        active--;
        break;
      case StepKind::kRetry:
        fail(s, "HTTP " + std::to_string(r.status) + ": " + step.reason + " (body: " + excerpt(r.body) + ")",
             std::nullopt);
        break;
      case StepKind::kContinue:
        s.failures = 0;
        s.state = SlotState::kWaiting;
        s.due = 0;
        break;
    }
  };

  while (true) {
    // Fill free slots with new jobs, then start every waiting slot whose time has come.
    double now = now_s();
    double next_due = 1e300;
    for (auto& s : m.slots) {
      if (s.state == SlotState::kIdle && next < count) {
        s.index = next;
        s.job = make_job(next++);
        s.failures = 0;
        s.state = SlotState::kWaiting;
        s.due = 0;
        active++;
      }
      if (s.state != SlotState::kWaiting) continue;
      if (s.due <= now) {
        const double wait = std::max(rpm.wait_s(now), tpm.wait_s(now));
        if (wait <= 0) {
          start(s);
          continue;
        }
        s.due = now + wait;
      }
      next_due = std::min(next_due, s.due);
    }
    if (active == 0 && next >= count) break;

    // Drive libcurl: its timers first, then socket events (epoll: O(1) per event at any concurrency).
    auto drain = [&] {
      int queued = 0;
      while (CURLMsg* msg = curl_multi_info_read(m.multi, &queued)) {
        if (msg->msg != CURLMSG_DONE) continue;
        void* slot = nullptr;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &slot);
        finish(*static_cast<Slot*>(slot), msg->data.result);
      }
    };
    int running = 0;
    if (m.timer_due <= now_s()) {
      m.timer_due = kNever;
      curl_multi_socket_action(m.multi, CURL_SOCKET_TIMEOUT, 0, &running);
      drain();
      continue;
    }
    const double wait_s = std::min(next_due, m.timer_due) - now_s();
    const int wait_ms = static_cast<int>(std::ceil(std::clamp(wait_s, 0.0, 1.0) * 1000.0));
    const int n = epoll_wait(m.epoll, m.events.data(), static_cast<int>(m.events.size()), wait_ms);
    for (int i = 0; i < n; i++) {
      const uint32_t ev = m.events[i].events;
      const int flags = ((ev & EPOLLIN) ? CURL_CSELECT_IN : 0) | ((ev & EPOLLOUT) ? CURL_CSELECT_OUT : 0) |
                        ((ev & (EPOLLERR | EPOLLHUP)) ? CURL_CSELECT_ERR : 0);
      curl_multi_socket_action(m.multi, m.events[i].data.fd, flags, &running);
    }
    drain();
  }
}

}  // namespace evalrun::http
