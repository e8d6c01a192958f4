// Range checks of numeric config keys, run before a command writes anything: each throws
// "config key 'K' must be RULE, got V" (V as a number is written: -1, 0.5), instead of a LibTorch or JSON message from
// deep inside the first step, or a run that trains nothing.
#pragma once
#include <string>

namespace varrl {

class Config;

void require_at_least(const Config& cfg, const std::string& key, double lo);  // value >= lo
void require_above(const Config& cfg, const std::string& key, double lo);     // value > lo
// value in [lo, hi], or in [lo, hi) when `hi_open`
void require_in(const Config& cfg, const std::string& key, double lo, double hi, bool hi_open = false);

}  // namespace varrl
