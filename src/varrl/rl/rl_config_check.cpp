#include "varrl/rl/rl_config_check.h"

#include "varrl/core/config.h"
#include "varrl/core/config_check.h"
#include "varrl/core/error.h"
#include "varrl/data/prompt_record.h"

namespace varrl {

void check_rl_config(const Config& cfg) {
  for (const char* key : {"rl.steps", "rl.prompts_per_step", "rl.inner_epochs", "rl.micro_batch", "rl.max_bad_steps",
                          "rl.sample_prompts", "rl.vmr.K"})
    require_at_least(cfg, key, 1);
  require_at_least(cfg, "rl.group_size", 2);  // a group of one has no one to compare with: every advantage would be 0
  for (const char* key : {"rl.warmup_steps", "rl.ckpt_every", "rl.eval_prompts", "rl.eval_every", "rl.sample_every",
                          "rl.weight_decay", "rl.grad_clip", "rl.clip_eps_high", "rl.kl_beta", "rl.adv_clip",
                          "rl.adv_eps", "rl.max_minutes", "rl.panw.alpha", "rl.lr"})
    require_at_least(cfg, key, 0);
  require_above(cfg, "rl.vmr.eta", 0);
  require_in(cfg, "rl.clip_eps_low", 0, 1, true);
  require_in(cfg, "rl.ema", 0, 1, true);
  require_in(cfg, "rl.char_credit", 0, 1);
}

void check_prompts_for_reward(const std::vector<PromptRecord>& prompts, const Config& cfg, const std::string& path) {
  for (const char* key : {"reward.weights.ocr_ned", "reward.weights.ocr_paper"}) {
    if (!(cfg.get<double>(key) > 0)) continue;
    for (const auto& p : prompts)
      if (!p.texts.empty()) return;
    throw Error(path + ": no prompt has a quoted \"text\" for the OCR reward (" + key + " > 0) to read");
  }
}

}  // namespace varrl
