// Fresh, empty folders for tests (header-only test helper). Every folder made here is removed when the test process
// ends, unless a test failed (then it stays for a look, and its path is printed) or VARRL_KEEP_TEST_DIRS is set.
#pragma once
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace varrl::testing {

// Removes its folders when destroyed: at the end of the process (a function-local static, made after gtest's own
// UnitTest singleton, so destroyed before it and able to ask whether every test passed).
struct TempDirRegistry {
  std::vector<std::filesystem::path> dirs;
  ~TempDirRegistry() {
    const bool keep = std::getenv("VARRL_KEEP_TEST_DIRS") || ::testing::UnitTest::GetInstance()->Failed();
    for (const auto& d : dirs) {
      if (keep) {
        std::fprintf(stderr, "kept test folder %s\n", d.c_str());
        continue;
      }
      std::error_code ec;
      std::filesystem::remove_all(d, ec);
    }
  }
};

inline void remove_at_exit(const std::filesystem::path& p) {
  static TempDirRegistry registry;
  registry.dirs.push_back(p);
}

// TMPDIR/varrl_test_NAME_PID, emptied first if a crashed run left it behind.
inline std::filesystem::path temp_dir(const std::string& name) {
  const auto p =
      std::filesystem::temp_directory_path() / ("varrl_test_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  remove_at_exit(p);
  return p;
}

}  // namespace varrl::testing
