// One exception type for every user-facing failure: the CLI prints its message as one line and exits non-zero.
#pragma once
#include <stdexcept>
#include <string>

namespace varrl {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace varrl
