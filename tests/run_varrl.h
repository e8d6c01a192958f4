// Runs the built `varrl` binary from a test (header-only test helper).
#pragma once
#include <cstdlib>
#include <filesystem>
#include <string>

#include "varrl/core/atomic_file.h"

namespace varrl::testing {

// The shipped model folder (models/default), which the CLI tests run on.
inline const std::string kModel = std::string(VARRL_SOURCE_DIR) + "/models/default";

// Runs `varrl ARGS` with stdout into LOG.out and stderr into LOG; returns the exit status and, if asked, the last
// stdout line (a command's JSON summary). `env` ("NAME=value ...") is set for that command only.
inline int run_varrl(const std::string& args, const std::filesystem::path& log, std::string* last_line = nullptr,
                     const std::string& env = "") {
  const std::string cmd =
      env + " " + std::string(VARRL_BINARY) + " " + args + " > " + log.string() + ".out 2> " + log.string();
  const int rc = std::system(cmd.c_str());
  std::string out = read_file(log.string() + ".out");
  while (!out.empty() && out.back() == '\n') out.pop_back();
  if (last_line) *last_line = out.substr(out.rfind('\n') == std::string::npos ? 0 : out.rfind('\n') + 1);
  return rc;
}

}  // namespace varrl::testing
