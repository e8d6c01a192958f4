// libFuzzer target: the safetensors header parser (core/safetensors.cpp) on arbitrary bytes. Any outcome but a
// varrl::Error or a parsed file is a bug. Built by scripts/fuzz.sh.
#include <cstdint>
#include <string>

#include "varrl/core/error.h"
#include "varrl/core/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    varrl::from_safetensors_bytes(std::string(reinterpret_cast<const char*>(data), size), "fuzz.safetensors");
  } catch (const varrl::Error&) {
  }
  return 0;
}
