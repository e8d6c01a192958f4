// Rollouts of one RL step: for each prompt, G images from π_old — either G full samples (GRPO), or with VMR G/K
// prefixes (scales < m) each continued K times — decoded, rewarded, and turned into per-token advantages, segment
// masks and MP weights. Everything random is a pure function of (seed, step), so a resumed run replays it exactly.
#pragma once
#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

#include "varrl/core/image.h"
#include "varrl/data/prompt_record.h"
#include "varrl/model/var_model.h"
#include "varrl/rl/advantages.h"
#include "varrl/rl/mask_propagation.h"
#include "varrl/rl/vmr.h"
#include "varrl/sampler/sampling_dist.h"
#include "varrl/tokenizer/vqvae.h"

namespace varrl {
class RewardFn;

struct RolloutOptions {
  int group_size = 8;
  SamplingParams sampling;
  AdvantageOptions adv;
  bool drop_zero_std = false;
  bool vmr = false;
  int middle_scale = 5, K = 2;
  double eta = 1.0;
  std::string suffix_group = "prefix";  // prefix | prompt
  bool mp = false;
  MaskOptions mask;
  std::string mask_scope = "group";     // group: union over the prompt's G images | sample: each image's boxes
  double char_credit = 0;               // λ of per-letter credit (rl/char_credit.h); 0 = off
  int batch_size = 16;                  // images per sampling forward
};

struct RolloutBatch {
  std::vector<PromptRecord> prompts;    // one per sequence
  torch::Tensor idx_BL;                 // tokens of every sequence
  torch::Tensor rewards_B;              // final reward of each image
  std::map<std::string, std::vector<double>> reward_parts;
  torch::Tensor A_prefix_BL, A_suffix_BL;  // per-token advantages of the prefix / suffix segments (GRPO: same)
  torch::Tensor prefix_rep_B;           // bool: this sequence carries its prefix's update (VMR: first continuation)
  torch::Tensor mp_BL;                  // MP weights (ones when off)
  std::vector<Image> images;
  // Statistics for the metrics.
  double frac_zero_std = 0;
  torch::Tensor values_P;               // VMR: V̂_m per prefix
  std::vector<double> mp_live_S;        // mean live fraction per scale
  double mp_no_boxes = 0;               // fraction of images whose reward gave no boxes
  double char_matched = -1;             // char credit: fraction of target letters OCR read right (-1 = off)
  double reward_seconds = 0;            // time spent in the reward (the rest of collect_rollouts is sampling)
};

// Samples and scores one step's rollouts for `prompts` (one entry per prompt; each gets group_size images).
// `first_prompt` is the index of prompts[0] in the whole step (data parallel: a rank's share starts there); the
// sampling seeds depend on that global index, so a rank samples exactly what one process would for those prompts.
RolloutBatch collect_rollouts(VAR& policy, VQVAE& vae, RewardFn& reward, const std::vector<PromptRecord>& prompts,
                              const RolloutOptions& opt, uint64_t step_seed, int64_t first_prompt = 0);

}  // namespace varrl
