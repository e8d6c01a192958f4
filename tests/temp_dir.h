// A fresh, empty folder for one test (header-only test helper).
#pragma once
#include <unistd.h>

#include <filesystem>
#include <string>

namespace varrl::testing {

// TMPDIR/varrl_test_NAME_PID, emptied first if a crashed run left it behind.
inline std::filesystem::path temp_dir(const std::string& name) {
  const auto p =
      std::filesystem::temp_directory_path() / ("varrl_test_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p;
}

}  // namespace varrl::testing
