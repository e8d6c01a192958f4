// libFuzzer target: a YAML file merged over the compiled-in defaults (what `--config FILE` does), then read back as a
// whole config (what a model folder's config.yaml goes through). Any outcome but a varrl::Error is a bug.
#include <cstdint>
#include <string>

#include "varrl/core/config.h"
#include "varrl/core/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    static const varrl::Config defaults = varrl::Config::defaults();  // parsed once: the fuzzer runs many inputs
    varrl::Config c = defaults;
    c.merge_yaml_text(text, "fuzz.yaml");
    (void)c.to_yaml();
  } catch (const varrl::Error&) {
  }
  try {
    (void)varrl::Config::from_yaml_text(text, "config.yaml").to_yaml();
  } catch (const varrl::Error&) {
  }
  return 0;
}
