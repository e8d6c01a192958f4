// libFuzzer target: the external reward's reply parser (reward/external_reply.cpp) on arbitrary lines, for a request
// of ids 7, 8 and 9. Any outcome but a varrl::Error or three results is a bug.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "varrl/core/error.h"
#include "varrl/reward/external_reply.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto out = varrl::parse_external_reply(std::string(reinterpret_cast<const char*>(data), size), {7, 8, 9});
    if (out.size() != 3) std::abort();
  } catch (const varrl::Error&) {
  }
  return 0;
}
