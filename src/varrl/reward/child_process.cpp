#include "varrl/reward/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "varrl/core/error.h"
#include "varrl/core/exit_cleanup.h"

extern char** environ;

namespace varrl {

namespace {

using Clock = std::chrono::steady_clock;

Clock::time_point deadline_after(double seconds) {
  return Clock::now() + std::chrono::microseconds(static_cast<long long>(seconds * 1e6));
}

// Milliseconds left until `deadline` for poll() (at least 0).
int ms_left(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(std::min<long long>(left, 1 << 30));
}

std::string describe(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "ended (status " + std::to_string(status) + ")";
}

// write() with SIGPIPE blocked in this thread; a SIGPIPE raised by this write is consumed before unblocking, so a
// dead reader gives EPIPE here and never a signal. (POSIX: the signal goes to the writing thread.)
ssize_t write_no_sigpipe(int fd, const char* data, size_t n) {
  sigset_t pipe_set, old_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  sigset_t pending;
  sigemptyset(&pending);
  sigpending(&pending);
  const bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
  ssize_t w = ::write(fd, data, n);
  const int err = errno;
  if (w < 0 && err == EPIPE && !was_pending) {
    struct timespec zero = {0, 0};
    while (sigtimedwait(&pipe_set, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
  errno = err;
  return w;
}

}  // namespace

ChildProcess::ChildProcess(std::vector<std::string> argv, std::vector<std::string> env)
    : argv_(std::move(argv)), env_(std::move(env)) {
  if (argv_.empty()) throw Error("child process: empty command");
}

ChildProcess::~ChildProcess() { stop(0.2); }

void ChildProcess::start() {
  if (started()) return;
  int in_pipe[2], out_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0) throw Error("cannot create a pipe: " + std::string(std::strerror(errno)));
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    ::close(in_pipe[0]);
    ::close(in_pipe[1]);
    throw Error("cannot create a pipe: " + std::string(std::strerror(errno)));
  }
  // Environment: ours, with env_ entries replacing same-named ones.
  std::vector<std::string> env_strings;
  for (char** e = environ; e && *e; ++e) {
    std::string kv = *e;
    std::string name = kv.substr(0, kv.find('='));
    bool replaced = false;
    for (const auto& o : env_) replaced |= o.substr(0, o.find('=')) == name;
    if (!replaced) env_strings.push_back(kv);
  }
  for (const auto& o : env_) env_strings.push_back(o);
  std::vector<char*> envp, argv;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  for (auto& s : argv_) argv.push_back(s.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);  // the child gets default SIGPIPE handling even if we ignore it
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);  // own process group: stop() kills helpers it started too
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, argv[0], &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  if (rc != 0) {
    ::close(in_pipe[1]);
    ::close(out_pipe[0]);
    throw Error("cannot start '" + argv_[0] + "': " + std::strerror(rc));
  }
  pid_ = pid;
  register_child_group(pid);  // killed with this process on SIGINT/SIGTERM (core/exit_cleanup.h)
  to_child_ = in_pipe[1];
  from_child_ = out_pipe[0];
  ::fcntl(to_child_, F_SETFL, ::fcntl(to_child_, F_GETFL) | O_NONBLOCK);
  ::fcntl(from_child_, F_SETFL, ::fcntl(from_child_, F_GETFL) | O_NONBLOCK);
  buffer_.clear();
}

ChildProcess::Status ChildProcess::write_line(const std::string& line, double timeout_s) {
  if (to_child_ < 0) return Status::Closed;
  const std::string data = line + "\n";
  const auto deadline = deadline_after(timeout_s);
  size_t off = 0;
  while (off < data.size()) {
    ssize_t w = write_no_sigpipe(to_child_, data.data() + off, data.size() - off);
    if (w > 0) {
      off += static_cast<size_t>(w);
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return Status::Closed;  // EPIPE: the child is gone
    struct pollfd p = {to_child_, POLLOUT, 0};
    int r = ::poll(&p, 1, ms_left(deadline));
    if (r == 0) return Status::Timeout;
    if (r < 0 && errno != EINTR) return Status::Closed;
    if (r > 0 && (p.revents & (POLLERR | POLLHUP)) && !(p.revents & POLLOUT)) return Status::Closed;
  }
  return Status::Ok;
}

ChildProcess::Status ChildProcess::read_line(std::string& line, double timeout_s, size_t max_bytes) {
  if (from_child_ < 0) return Status::Closed;
  const auto deadline = deadline_after(timeout_s);
  size_t scanned = 0;  // bytes of buffer_ already known to hold no '\n': each byte is scanned once
  while (true) {
    const size_t nl = buffer_.find('\n', scanned);
    if (nl != std::string::npos) {
      if (nl > max_bytes) return Status::TooLong;
      line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return Status::Ok;
    }
    scanned = buffer_.size();
    if (buffer_.size() > max_bytes) return Status::TooLong;
    // The deadline holds even while the child keeps writing (a stream without newline never makes read() wait).
    if (Clock::now() >= deadline) return Status::Timeout;
    char chunk[65536];
    ssize_t n = ::read(from_child_, chunk, sizeof chunk);
    if (n > 0) {
      buffer_.append(chunk, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) return Status::Closed;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return Status::Closed;
    struct pollfd p = {from_child_, POLLIN, 0};
    int r = ::poll(&p, 1, ms_left(deadline));
    if (r == 0) return Status::Timeout;
    if (r < 0 && errno != EINTR) return Status::Closed;
  }
}

std::string ChildProcess::stop(double grace_s) {
  if (to_child_ >= 0) ::close(to_child_);
  if (from_child_ >= 0) ::close(from_child_);
  to_child_ = from_child_ = -1;
  buffer_.clear();
  if (pid_ <= 0) return "";
  const pid_t pid = pid_;
  pid_ = -1;
  struct Unregister {
    pid_t pid;
    ~Unregister() { unregister_child_group(pid); }
  } unregister{pid};
  int status = 0;
  const auto deadline = deadline_after(grace_s);
  while (true) {  // a well-behaved child exits when its stdin closes
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      ::kill(-pid, SIGKILL);  // helpers it may have left in its group
      return describe(status);
    }
    if (r < 0 && errno != EINTR) return "gone";
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return describe(status);
}

}  // namespace varrl
