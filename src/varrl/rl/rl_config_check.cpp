#include "varrl/rl/rl_config_check.h"

#include <sstream>
#include <string>

#include "varrl/core/config.h"
#include "varrl/core/error.h"

namespace varrl {

namespace {

// Throws "config key 'rl.K' must be RULE, got V" unless `ok(value)`.
template <typename T, typename Ok>
void require(const Config& cfg, const std::string& key, const std::string& rule, Ok ok) {
  const T v = cfg.get<T>(key);
  if (ok(v)) return;
  std::ostringstream got;  // -1 and 0.5, not std::to_string's -1.000000
  got << v;
  throw Error("config key '" + key + "' must be " + rule + ", got " + got.str());
}

}  // namespace

void check_rl_config(const Config& cfg) {
  auto at_least = [&](const std::string& key, int64_t lo) {
    require<int64_t>(cfg, key, ">= " + std::to_string(lo), [lo](int64_t v) { return v >= lo; });
  };
  at_least("rl.steps", 1);
  at_least("rl.prompts_per_step", 1);
  at_least("rl.group_size", 2);  // a group of one has no one to compare with: every advantage would be 0
  at_least("rl.inner_epochs", 1);
  at_least("rl.micro_batch", 1);
  at_least("rl.warmup_steps", 0);
  at_least("rl.ckpt_every", 0);
  at_least("rl.max_bad_steps", 1);
  at_least("rl.eval_prompts", 0);
  at_least("rl.eval_every", 0);
  at_least("rl.sample_every", 0);
  at_least("rl.sample_prompts", 1);
  at_least("rl.vmr.K", 1);
  auto non_negative = [&](const std::string& key) {
    require<double>(cfg, key, ">= 0", [](double v) { return v >= 0; });
  };
  for (const char* key : {"rl.weight_decay", "rl.grad_clip", "rl.clip_eps_high", "rl.kl_beta", "rl.adv_clip",
                          "rl.adv_eps", "rl.max_minutes", "rl.panw.alpha"})
    non_negative(key);
  require<double>(cfg, "rl.lr", "> 0", [](double v) { return v > 0; });
  require<double>(cfg, "rl.vmr.eta", "> 0", [](double v) { return v > 0; });
  require<double>(cfg, "rl.clip_eps_low", "in [0, 1)", [](double v) { return v >= 0 && v < 1; });
  require<double>(cfg, "rl.ema", "in [0, 1)", [](double v) { return v >= 0 && v < 1; });
  require<double>(cfg, "rl.char_credit", "in [0, 1]", [](double v) { return v >= 0 && v <= 1; });
}

}  // namespace varrl
