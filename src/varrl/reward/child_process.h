// A child process spoken to in lines: its stdin and stdout are pipes to us, its stderr is ours. Started with
// posix_spawn (safe in a multi-threaded process) in its own process group, so a kill reaches whatever it started.
// Writing to a child that died never raises SIGPIPE in this process (the signal is blocked and discarded around the
// write); every read and write takes a deadline; the child is always reaped.
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

namespace varrl {

class ChildProcess {
 public:
  enum class Status { Ok, Closed, Timeout, TooLong };

  // argv[0] is looked up in PATH; `env` entries ("NAME=value") are added to (or replace in) our environment.
  ChildProcess(std::vector<std::string> argv, std::vector<std::string> env);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Throws varrl::Error when the program cannot be started at all.
  void start();
  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  // Writes `line` + '\n'. Closed: the child closed its stdin or died.
  Status write_line(const std::string& line, double timeout_s);
  // Reads one line (without '\n'). Closed: end of file before a complete line. TooLong: more than `max_bytes` came
  // without a newline (what was read stays buffered; the caller is expected to stop the child).
  Status read_line(std::string& line, double timeout_s, size_t max_bytes = size_t{4} << 20);

  // Ends the child: closes its stdin, waits up to `grace_s` for it to exit, then kills its process group; reaps it.
  // Returns how it ended ("exited with status 0", "killed by signal 9"; "" if it was not running).
  std::string stop(double grace_s);

 private:
  std::vector<std::string> argv_, env_;
  pid_t pid_ = -1;
  int to_child_ = -1, from_child_ = -1;
  std::string buffer_;  // bytes read past the last returned line
};

}  // namespace varrl
