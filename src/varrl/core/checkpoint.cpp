#include "varrl/core/checkpoint.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <vector>

#include "varrl/core/error.h"

namespace varrl {

namespace fs = std::filesystem;

namespace {

void fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

// The pid in a name ending with ".tmp.<pid>" or ".old.<pid>"; 0 if it has no such ending.
long long pid_suffix(const std::string& name, const std::string& tag) {
  const auto at = name.rfind(tag);
  if (at == std::string::npos || at + tag.size() == name.size()) return 0;
  const std::string digits = name.substr(at + tag.size());
  if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9) return 0;
  return std::atoll(digits.c_str());
}

}  // namespace

void test_abort_point(const std::string& name) {
  static const char* spec = std::getenv("VARRL_TEST_ABORT_AFTER");
  if (!spec || !*spec) return;
  static std::mutex mu;
  static std::map<std::string, int> seen;
  std::string want = spec;
  int nth = 1;
  if (auto colon = want.rfind(':'); colon != std::string::npos) {
    nth = std::atoi(want.c_str() + colon + 1);
    want.resize(colon);
  }
  std::lock_guard<std::mutex> lock(mu);
  if (name == want && ++seen[name] == nth) ::kill(::getpid(), SIGKILL);
}

CheckpointWriter::CheckpointWriter(const std::string& run_dir)
    : run_dir_(run_dir), tmp_dir_(run_dir + "/state.tmp." + std::to_string(::getpid())) {
  std::error_code ec;
  fs::remove_all(tmp_dir_, ec);
  fs::create_directories(tmp_dir_, ec);
  if (ec) throw Error(tmp_dir_ + ": cannot create the checkpoint folder: " + ec.message());
}

CheckpointWriter::~CheckpointWriter() {
  if (committed_) return;
  std::error_code ec;
  fs::remove_all(tmp_dir_, ec);
}

std::string CheckpointWriter::file(const std::string& name) const { return tmp_dir_ + "/" + name; }

void CheckpointWriter::commit() {
  fsync_dir(tmp_dir_);  // every file in it was fsync'ed by write_file_atomic; this makes their names durable
  test_abort_point("commit");
  const std::string state = run_dir_ + "/state";
  if (!fs::exists(state)) {
    if (::rename(tmp_dir_.c_str(), state.c_str()) != 0)
      throw Error(state + ": cannot publish the checkpoint: " + std::strerror(errno));
  } else if (::renameat2(AT_FDCWD, tmp_dir_.c_str(), AT_FDCWD, state.c_str(), RENAME_EXCHANGE) == 0) {
    test_abort_point("exchange");  // the old checkpoint now sits in the temp folder
  } else {
    // A file system without RENAME_EXCHANGE: move the old one aside first; recover_checkpoint() puts it back if a
    // kill lands between the two renames.
    const std::string old = run_dir_ + "/state.old." + std::to_string(::getpid());
    if (::rename(state.c_str(), old.c_str()) != 0 || ::rename(tmp_dir_.c_str(), state.c_str()) != 0)
      throw Error(state + ": cannot publish the checkpoint: " + std::strerror(errno));
    std::error_code ec;
    fs::rename(old, tmp_dir_, ec);
  }
  fsync_dir(run_dir_);
  committed_ = true;
  std::error_code ec;
  fs::remove_all(tmp_dir_, ec);
}

int recover_checkpoint(const std::string& run_dir) {
  if (!fs::is_directory(run_dir)) return 0;
  const long long self = ::getpid();
  int removed = 0;
  std::error_code ec;
  // An interrupted fallback publication: the old checkpoint was moved aside and the new one not yet in place.
  if (!fs::exists(run_dir + "/state"))
    for (const auto& e : fs::directory_iterator(run_dir, ec))
      if (pid_suffix(e.path().filename().string(), "state.old.") > 0) {
        fs::rename(e.path(), run_dir + "/state", ec);
        break;
      }
  for (const std::string& dir : {run_dir, run_dir + "/state"}) {
    if (!fs::is_directory(dir)) continue;
    std::vector<fs::path> stale;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      const std::string name = e.path().filename().string();
      const long long pid = std::max(pid_suffix(name, ".tmp."), pid_suffix(name, "state.old."));
      if (pid > 0 && pid != self) stale.push_back(e.path());
    }
    for (const auto& p : stale) removed += fs::remove_all(p, ec) > 0;
  }
  return removed;
}

}  // namespace varrl
