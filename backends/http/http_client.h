#pragma once
// A small concurrent HTTP POST driver over libcurl's multi interface: N exchanges in flight on reused
// connections (HTTP/2 multiplexing where the server offers it), retries with exponential backoff and
// jitter, Retry-After, and optional requests/min and tokens/min limits. It knows nothing about OpenAI:
// each logical request is a Job that produces bodies and judges responses.
//
// Memory stays bounded at any request count: jobs are created lazily as slots free up, and a job that
// waits for a retry keeps its slot (so at most `concurrency` jobs exist at once).
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace evalrun::http {

struct HttpResponse {
  long status = 0;              // HTTP status; 0 when no complete response arrived
  std::string body;
  std::string transport_error;  // set for connection errors, timeouts, resets, partial bodies
  std::optional<double> retry_after_s;  // parsed Retry-After (seconds or HTTP date)
};

struct ClientOptions {
  std::string url;                   // the endpoint every job posts to
  std::vector<std::string> headers;  // "Name: value" lines (Authorization included)
  double timeout_s = 120.0;          // whole-exchange timeout
  int concurrency = 8;
  int max_retries = 8;               // retries after the first attempt (attempts = max_retries + 1)
  double retry_base_delay_s = 1.0;   // backoff: base * 2^(failures-1), jittered to [50%, 100%]
  double retry_max_delay_s = 60.0;   // cap of the computed backoff
  double max_retry_after_s = 600.0;  // cap of a server's Retry-After
  double requests_per_minute = 0;    // 0 = unlimited
  double tokens_per_minute = 0;      // 0 = unlimited (uses Job::token_cost)
  std::vector<std::string> secrets;  // redacted ("***") from every error message
};

enum class StepKind {
  kDone,      // the job is finished (it has delivered its result)
  kRetry,     // a transient failure (malformed body, empty choices...): counts as a failed attempt
  kContinue,  // progress was made; send body() again (e.g. ask for the remaining choices)
};

struct Step {
  StepKind kind = StepKind::kDone;
  std::string reason;  // for kRetry: what was wrong
};

// One logical request; may take several HTTP exchanges.
class Job {
 public:
  virtual ~Job() = default;
  // Body of the next exchange (called before every attempt, so it may change between attempts).
  virtual std::string body() = 0;
  // Estimated tokens of one exchange, for --tpm.
  virtual double token_cost() const { return 0; }
  // Judges a response with a 2xx status or a non-retryable status (4xx other than 408/409/429).
  // Throws UserError for fatal conditions.
  virtual Step handle(const HttpResponse& response) = 0;
  // Names the request in error messages, e.g. "request #12 (model gpt-4o)".
  virtual std::string describe() const = 0;
};

using JobSource = std::function<std::unique_ptr<Job>(size_t index)>;

// Whether an HTTP status is worth retrying: 408, 409, 429 and 5xx.
bool is_retryable_status(long status);
// Parses a Retry-After value: delta seconds or an HTTP date (relative to now); nullopt when invalid.
std::optional<double> parse_retry_after(const std::string& value);
// Replaces every occurrence of each secret by "***".
std::string redact(std::string text, const std::vector<std::string>& secrets);

class HttpClient {
 public:
  explicit HttpClient(ClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Runs jobs 0..count-1 (created on demand by make_job) until all are done. Throws UserError naming
  // the job and its last error when a job exhausts its attempts, or whatever a job's handle() throws;
  // in-flight exchanges are abandoned then.
  void run(size_t count, const JobSource& make_job);

  const ClientOptions& options() const { return options_; }

 private:
  struct Impl;
  ClientOptions options_;
  std::unique_ptr<Impl> impl_;
};

// A token bucket allowing debt: a request may start whenever the level is positive, and its cost is
// subtracted (so one request larger than a minute's budget still runs, then waits).
class RateLimiter {
 public:
  RateLimiter(double per_minute);  // 0 = unlimited
  // Seconds to wait before a request may start at time `now` (0 = may start now).
  double wait_s(double now);
  void take(double cost, double now);

 private:
  void refill(double now);
  double rate_per_s_ = 0;
  double capacity_ = 0;
  double level_ = 0;
  double last_ = -1;
};

}  // namespace evalrun::http
