// Rollouts of one RL step: for each prompt, G images from π_old in VMR's layout (rl/vmr.h: G independent samples
// without VMR, G/K prefixes continued K times with it), decoded and rewarded, with the reward's attribution boxes
// turned into MP weights. Everything random is a pure function of (seed, step), so a resumed run replays it exactly.
#pragma once
#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

#include "varrl/core/image.h"
#include "varrl/data/prompt_record.h"
#include "varrl/model/var_model.h"
#include "varrl/rl/mask_propagation.h"
#include "varrl/rl/vmr.h"
#include "varrl/sampler/sampling_dist.h"
#include "varrl/tokenizer/vqvae.h"

namespace varrl {
class RewardFn;

struct RolloutOptions {
  int group_size = 8;    // G: images per prompt
  SamplingParams sampling;
  VmrOptions vmr;
  bool mp = false;
  MaskOptions mask;
  int batch_size = 16;   // images per sampling forward
};

struct RolloutBatch {
  std::vector<PromptRecord> prompts;    // one per image (B = prompts × G)
  torch::Tensor idx_BL;                 // tokens of every image
  torch::Tensor rewards_B;              // final reward of each image
  std::map<std::string, std::vector<double>> reward_parts;
  MpWeights mp;                         // MP weights (ones when off)
  std::vector<Image> images;
  double reward_seconds = 0;            // time spent in the reward (the rest of collect_rollouts is sampling)
};

// Samples and scores one step's rollouts for `prompts` (one entry per prompt; each gets group_size images).
// `first_prompt` is the index of prompts[0] in the whole step (data parallel: a rank's share starts there); the
// sampling seeds depend on that global index, so a rank samples exactly what one process would for those prompts.
RolloutBatch collect_rollouts(VAR& policy, VQVAE& vae, RewardFn& reward, const std::vector<PromptRecord>& prompts,
                              const RolloutOptions& opt, uint64_t step_seed, int64_t first_prompt = 0);

}  // namespace varrl
