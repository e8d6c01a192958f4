// Checks of an RL config, run before an RL run touches its folder: ranges of the rl.* numbers (core/config_check.h;
// rl.group_size=1, rl.steps=0, rl.panw.alpha=-1, ... stop with one line naming the key) and every option string,
// read into its enum as the run reads it (rl.vmr.suffix_group=bogus names the key and the allowed values).
#pragma once
#include <string>
#include <vector>

#include "varrl/core/config.h"
#include "varrl/data/prompt_record.h"

namespace varrl {

void check_rl_config(const Config& cfg);
// An OCR reward (reward.weights.ocr_ned / ocr_paper > 0) on prompts without any quoted text scores nothing: refused
// with one line naming the prompts file, before sampling.
void check_prompts_for_reward(const std::vector<PromptRecord>& prompts, const Config& cfg, const std::string& path);

// The config an RL run starts from: the model folder's architecture and task (data, render, tokenizer, model,
// sampler, reward) with the RL settings of configs/defaults.yaml, whatever run or pretraining wrote the folder.
Config rl_base_config(const std::string& model_dir);

}  // namespace varrl
