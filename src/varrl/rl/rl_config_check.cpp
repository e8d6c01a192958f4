#include "varrl/rl/rl_config_check.h"

#include "varrl/core/choice.h"
#include "varrl/core/config_check.h"
#include "varrl/core/error.h"
#include "varrl/data/render.h"
#include "varrl/model/var_config.h"
#include "varrl/rl/advantages.h"
#include "varrl/rl/grpo_loss.h"
#include "varrl/rl/mask_propagation.h"
#include "varrl/rl/panw.h"
#include "varrl/rl/vmr.h"
#include "varrl/sampler/sampling_dist.h"
#include "varrl/tokenizer/tokenizer_io.h"

namespace varrl {

Config rl_base_config(const std::string& model_dir) {
  Config base = load_model_config(model_dir);
  base.root()["rl"] = YAML::Clone(Config::defaults().root()["rl"]);
  return base;
}

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
  const auto betas = cfg.get<std::vector<double>>("rl.adam_betas");
  if (betas.size() != 2 || betas[0] < 0 || betas[0] >= 1 || betas[1] < 0 || betas[1] >= 1)
    throw Error("config key 'rl.adam_betas' must be two numbers in [0, 1), e.g. [0.9, 0.95]");
  // Every option string, read as the run will read it.
  VmrOptions::from_config(cfg);
  MaskOptions::from_config(cfg);
  PanwOptions::from_config(cfg);
  GrpoLossOptions::from_config(cfg);
  AdvantageOptions::from_config(cfg);
  choice<bool>(cfg, "rl.logprob", {{"policy", true}, {"sampling", false}});
  SamplingParams::from_config(cfg, "rl.rollout");
  SamplingParams::from_config(cfg);
  VarConfig::from_config(cfg);
  RenderOptions::from_config(cfg);
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
