#include "varrl/core/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>

#include "varrl/core/error.h"

namespace varrl {

void lock_run_folder(const std::string& run_dir) {
  namespace fs = std::filesystem;
  static std::mutex mu;
  static std::set<std::string> held;  // canonical folders this process holds (their descriptors stay open)
  std::lock_guard<std::mutex> guard(mu);
  std::error_code ec;
  fs::create_directories(run_dir, ec);
  const std::string key = fs::weakly_canonical(run_dir, ec).string();
  if (held.count(key)) return;
  const std::string path = run_dir + "/.lock";
  // O_CLOEXEC: reward programs and OCR workers started later must not inherit (and so prolong) the lock.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(path + ": cannot open the run lock: " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char buf[32] = {0};
    const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    ::close(fd);
    std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "?";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    if (err == EWOULDBLOCK)
      throw Error(run_dir + ": in use by another varrl process (PID " + pid + ", lock " + path + ")");
    throw Error(path + ": cannot lock: " + std::strerror(err));
  }
  const std::string me = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, me.data(), me.size(), 0) != static_cast<ssize_t>(me.size()))
    throw Error(path + ": cannot write the run lock: " + std::strerror(errno));
  held.insert(key);
}

}  // namespace varrl
