#include "varrl/core/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace varrl {

Progress::Progress(std::string label, long total, double log_every_s)
    : label_(std::move(label)), total_(total), log_every_s_(log_every_s), tty_(::isatty(2) == 1) {
  start_ = last_print_ = std::chrono::steady_clock::now();
}

Progress::~Progress() {
  if (!finished_ && tty_) std::fputc('\n', stderr);
}

std::string Progress::format_duration(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  long t = std::lround(s);
  char buf[32];
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%02ld:%02ld", t / 60, t % 60);
  return buf;
}

std::string Progress::line(long done, double elapsed, const std::string& status) const {
  double frac = total_ > 0 ? std::min(1.0, static_cast<double>(done) / total_) : 0.0;
  double rate = elapsed > 0 ? (done - std::max(0L, first_)) / elapsed : 0.0;
  double eta = rate > 0 ? (total_ - done) / rate : NAN;
  bool time_bound = false;
  if (time_limit_s_ > 0) {
    const double time_left = std::max(0.0, time_limit_s_ - elapsed);
    time_bound = !(eta <= time_left);  // NaN (no rate yet) counts as time-bound
    if (time_bound) frac = std::min(1.0, elapsed / time_limit_s_), eta = time_left;
  }
  const int width = 24;
  int filled = static_cast<int>(frac * width);
  std::string bar(filled, '#');
  bar += std::string(width - filled, '.');
  // A time-bounded loop counts steps and shows its time limit; a step-bounded one shows done/total.
  char count[64];
  if (time_bound)
    std::snprintf(count, sizeof count, "%ld steps", done);
  else
    std::snprintf(count, sizeof count, "%ld/%ld", done, total_);
  const std::string limit = time_bound ? " of " + format_duration(time_limit_s_) : "";
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s [%s] %s %.2f it/s elapsed %s%s eta %s", label_.c_str(), bar.c_str(), count, rate,
                format_duration(elapsed).c_str(), limit.c_str(), format_duration(eta).c_str());
  std::string out = buf;
  if (!status.empty()) out += " " + status;
  return out;
}

void Progress::update(long done, const std::string& status) {
  auto now = std::chrono::steady_clock::now();
  if (first_ < 0) first_ = done, start_ = now;
  last_ = done;
  double elapsed = std::chrono::duration<double>(now - start_).count();
  double since = std::chrono::duration<double>(now - last_print_).count();
  if (tty_) {
    if (since < 0.1 && done < total_) return;
    std::fprintf(stderr, "\r\033[K%s", line(done, elapsed, status).c_str());
    std::fflush(stderr);
  } else {
    if (since < log_every_s_ && done < total_) return;
    std::fprintf(stderr, "%s\n", line(done, elapsed, status).c_str());
  }
  last_print_ = now;
}

void Progress::finish(const std::string& status) {
  if (finished_) return;
  auto now = std::chrono::steady_clock::now();
  double elapsed = std::chrono::duration<double>(now - start_).count();
  const long done = first_ >= 0 ? last_ : total_;  // a loop stopped early (signal, time) shows where it stopped
  if (tty_)
    std::fprintf(stderr, "\r\033[K%s\n", line(done, elapsed, status).c_str());
  else
    std::fprintf(stderr, "%s\n", line(done, elapsed, status).c_str());
  finished_ = true;
}

}  // namespace varrl
