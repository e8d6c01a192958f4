#include "varrl/core/config_check.h"

#include <sstream>

#include "varrl/core/config.h"
#include "varrl/core/error.h"

namespace varrl {

namespace {

std::string number(double v) {
  std::ostringstream s;  // -1 and 0.5, not std::to_string's -1.000000
  s.precision(12);
  s << v;
  return s.str();
}

void require(const Config& cfg, const std::string& key, bool ok, const std::string& rule) {
  if (!ok) throw Error("config key '" + key + "' must be " + rule + ", got " + number(cfg.get<double>(key)));
}

}  // namespace

void require_at_least(const Config& cfg, const std::string& key, double lo) {
  require(cfg, key, cfg.get<double>(key) >= lo, ">= " + number(lo));
}

void require_above(const Config& cfg, const std::string& key, double lo) {
  require(cfg, key, cfg.get<double>(key) > lo, "> " + number(lo));
}

void require_in(const Config& cfg, const std::string& key, double lo, double hi, bool hi_open) {
  const double v = cfg.get<double>(key);
  require(cfg, key, v >= lo && (hi_open ? v < hi : v <= hi),
          "in [" + number(lo) + ", " + number(hi) + (hi_open ? ")" : "]"));
}

}  // namespace varrl
