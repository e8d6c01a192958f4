// A long-running helper process answering one line per request line (JSON lines), with a deadline per request and
// a bounded number of restarts: when the helper crashes, closes its output or misses the deadline, it is killed,
// started again and sent the pending request again, until `max_restarts` restarts have been spent over the
// service's life; then a varrl::Error naming the helper says what happened. Used by the external reward and by the
// OCR workers. The process is started lazily, on the first request.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "varrl/reward/child_process.h"

namespace varrl {

struct ServiceOptions {
  std::vector<std::string> argv;  // the helper's command
  std::vector<std::string> env;   // extra environment ("NAME=value")
  std::string label;              // how errors name it, e.g. "external reward 'python3 judge.py'"
  double timeout_s = 30;          // per request: writing it and reading the reply
  int max_restarts = 3;           // restarts allowed over the service's life
  size_t max_reply_bytes = size_t{4} << 20;  // a longer reply line is an error (the helper is stopped)
};

class LineService {
 public:
  explicit LineService(ServiceOptions opts);
  ~LineService();

  // Sends a request (one line, no '\n' inside). Replies must then be taken with receive() before the next send().
  void send(const std::string& request);
  // The reply to the pending request; restarts and re-sends as described above.
  std::string receive();
  std::string call(const std::string& request) {
    send(request);
    return receive();
  }
  // Stops the helper (e.g. after it broke the protocol); the next send() starts a fresh one. Not counted as a restart.
  void reset();

  int restarts_used() const { return restarts_; }
  const ServiceOptions& options() const { return opts_; }
  pid_t pid() const { return child_ ? child_->pid() : -1; }

 private:
  void ensure_started();
  // Kills the helper after a failure; throws when the restart budget is spent, else starts it again and re-sends.
  void recover(const std::string& what);
  bool transmit();  // writes the pending request; false on failure (reason in last_failure_)

  ServiceOptions opts_;
  std::unique_ptr<ChildProcess> child_;
  std::string pending_;
  bool has_pending_ = false;
  int restarts_ = 0;
  std::string last_failure_;
};

}  // namespace varrl
