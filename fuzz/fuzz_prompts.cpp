// libFuzzer target: the prompts-file reader (data/prompt_record.cpp) on arbitrary bytes; what it accepts must be
// valid UTF-8 that the JSON writer takes. Any outcome but a varrl::Error or such records is a bug.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "varrl/core/error.h"
#include "varrl/data/prompt_record.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    for (const auto& r : varrl::parse_prompts(std::string(reinterpret_cast<const char*>(data), size), "fuzz.jsonl")) {
      nlohmann::json j = {{"prompt", r.prompt}, {"texts", r.texts}, {"image", r.image}};
      (void)j.dump();  // throws (and so aborts the fuzzer) on invalid UTF-8
    }
  } catch (const varrl::Error&) {
  }
  return 0;
}
