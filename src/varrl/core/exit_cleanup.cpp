#include "varrl/core/exit_cleanup.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

namespace varrl {

namespace {

constexpr int kSlots = 64;
std::atomic<pid_t> g_groups[kSlots];
// A folder slot: `used` is set after its path is complete and cleared before the path is reused.
struct DirSlot {
  std::atomic<bool> used{false};
  char path[256];
};
DirSlot g_dirs[16];

void remove_flat_dir(const char* path) {
  const int fd = ::open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  alignas(8) char buf[4096];
  while (true) {
    const long n = ::syscall(SYS_getdents64, fd, buf, sizeof buf);
    if (n <= 0) break;
    for (long off = 0; off < n;) {
      auto* d = reinterpret_cast<struct dirent64*>(buf + off);
      off += d->d_reclen;
      if (std::strcmp(d->d_name, ".") != 0 && std::strcmp(d->d_name, "..") != 0) ::unlinkat(fd, d->d_name, 0);
    }
  }
  ::close(fd);
  ::rmdir(path);
}

void on_fatal_signal(int sig) {
  cleanup_children_and_temp_dirs();
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

}  // namespace

void register_child_group(pid_t pgid) {
  for (auto& g : g_groups) {
    pid_t none = 0;
    if (g.compare_exchange_strong(none, pgid)) return;
  }
}

void unregister_child_group(pid_t pgid) {
  for (auto& g : g_groups) {
    pid_t mine = pgid;
    if (g.compare_exchange_strong(mine, 0)) return;
  }
}

void register_temp_dir(const std::string& dir) {
  if (dir.size() >= sizeof(DirSlot::path)) return;
  for (auto& s : g_dirs) {
    bool expected = false;
    if (s.used.load() || s.path[0] != '\0') continue;
    std::memcpy(s.path, dir.c_str(), dir.size() + 1);
    if (s.used.compare_exchange_strong(expected, true)) return;
    s.path[0] = '\0';
  }
}

void unregister_temp_dir(const std::string& dir) {
  for (auto& s : g_dirs)
    if (s.used.load() && dir == s.path) {
      s.used = false;
      s.path[0] = '\0';
      return;
    }
}

void cleanup_children_and_temp_dirs() {
  for (auto& g : g_groups)
    if (const pid_t p = g.load(); p > 0) ::kill(-p, SIGKILL);
  for (auto& s : g_dirs)
    if (s.used.load()) remove_flat_dir(s.path);
}

void install_exit_cleanup_handlers() {
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fatal_signal;
    sigemptyset(&sa.sa_mask);
    ::sigaction(sig, &sa, nullptr);
  }
}

}  // namespace varrl
