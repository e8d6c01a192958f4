#include "varrl/reward/line_service.h"

#include <spdlog/spdlog.h>

#include <cstdio>

#include "varrl/core/error.h"

namespace varrl {

namespace {

std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g s", s);
  return buf;
}

}  // namespace

LineService::LineService(ServiceOptions opts) : opts_(std::move(opts)) {
  if (opts_.argv.empty()) throw Error(opts_.label + ": no command given");
  if (!(opts_.timeout_s > 0)) throw Error(opts_.label + ": the timeout must be positive");
}

LineService::~LineService() = default;

void LineService::ensure_started() {
  if (child_ && child_->started()) return;
  child_ = std::make_unique<ChildProcess>(opts_.argv, opts_.env);
  try {
    child_->start();
  } catch (const Error& e) {
    child_.reset();
    throw Error(opts_.label + ": " + e.what());
  }
}

void LineService::reset() {
  if (child_) child_->stop(0.2);
  child_.reset();
  has_pending_ = false;
}

bool LineService::transmit() {
  auto st = child_->write_line(pending_, opts_.timeout_s);
  if (st == ChildProcess::Status::Ok) return true;
  last_failure_ = st == ChildProcess::Status::Timeout ? "did not accept the request within " + seconds(opts_.timeout_s)
                                                      : "closed its input";
  return false;
}

void LineService::send(const std::string& request) {
  if (request.find('\n') != std::string::npos) throw Error(opts_.label + ": request contains a newline");
  ensure_started();
  pending_ = request;
  has_pending_ = true;
  if (!transmit()) recover(last_failure_);
}

void LineService::recover(const std::string& what) {
  std::string how = child_ ? child_->stop(0.05) : "";
  std::string reason = what + (how.empty() ? "" : " (" + how + ")");
  if (restarts_ >= opts_.max_restarts) {
    child_.reset();
    has_pending_ = false;
    throw Error(opts_.label + ": " + reason + "; gave up after " + std::to_string(restarts_) + " restart(s)");
  }
  ++restarts_;
  spdlog::warn("{}: {}; restarting ({} of {})", opts_.label, reason, restarts_, opts_.max_restarts);
  child_.reset();
  ensure_started();
  if (has_pending_ && !transmit()) recover(last_failure_);
}

std::string LineService::receive() {
  if (!has_pending_) throw Error(opts_.label + ": receive() without a request");
  while (true) {
    std::string line;
    auto st = child_->read_line(line, opts_.timeout_s, opts_.max_reply_bytes);
    if (st == ChildProcess::Status::Ok) {
      has_pending_ = false;
      return line;
    }
    if (st == ChildProcess::Status::TooLong) {  // a protocol violation, not a crash: no restart
      reset();
      throw Error(opts_.label + ": a reply line longer than " + std::to_string(opts_.max_reply_bytes) + " bytes");
    }
    recover(st == ChildProcess::Status::Timeout ? "no reply within " + seconds(opts_.timeout_s)
                                                : std::string("stopped before replying"));
  }
}

}  // namespace varrl
