// A progress bar for long loops: on a terminal it redraws one line (steps/s, ETA, the main metric); otherwise it
// writes a plain log line every `log_every_s` seconds. No library for this exists in Debian; kept small.
#pragma once
#include <chrono>
#include <string>

namespace varrl {

class Progress {
 public:
  Progress(std::string label, long total, double log_every_s = 10.0);
  ~Progress();
  // Advances to `done` (absolute) and shows `status` (e.g. "loss=0.123"). The first call sets where this process
  // started (a resumed run starts at its checkpoint): steps/s and ETA count only the steps done since then.
  void update(long done, const std::string& status = "");
  // A loop that also stops after `seconds` of wall time (0 = no limit): the bar and ETA follow whichever of the step
  // count and the time limit ends it first, and `finish` shows the steps actually done.
  void set_time_limit(double seconds) { time_limit_s_ = seconds; }
  // Shows the last `done` passed to update (a loop stopped by a signal or the time limit shows where it stopped).
  void finish(const std::string& status = "");
  static std::string format_duration(double seconds);
  // Renders the bar text (exposed for tests).
  std::string line(long done, double elapsed_s, const std::string& status) const;

 private:
  std::string label_;
  long total_;
  double log_every_s_;
  bool tty_;
  bool finished_ = false;
  double time_limit_s_ = 0;
  long first_ = -1;  // `done` at the first update (-1: none yet)
  long last_ = 0;    // `done` at the latest update
  std::chrono::steady_clock::time_point start_, last_print_;
};

}  // namespace varrl
