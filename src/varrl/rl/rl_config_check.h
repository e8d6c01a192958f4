// Range checks of the rl.* numbers (core/config_check.h), run before an RL run touches its folder: rl.group_size=1,
// rl.steps=0, rl.panw.alpha=-1, ... stop with one line naming the key. Mode strings (rl.adv_norm, rl.loss_agg, ...)
// are checked where they are read.
#pragma once
#include <string>
#include <vector>

namespace varrl {

class Config;
struct PromptRecord;

void check_rl_config(const Config& cfg);
// An OCR reward (reward.weights.ocr_ned / ocr_paper > 0) on prompts without any quoted text scores nothing: refused
// with one line naming the prompts file, before sampling.
void check_prompts_for_reward(const std::vector<PromptRecord>& prompts, const Config& cfg, const std::string& path);

}  // namespace varrl
