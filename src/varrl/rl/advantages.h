// Group-relative advantages (GRPO): A_i = (R_i − mean_group) / (std_group + ε), with batch-std or no division
// (Dr-GRPO) as options, clipping, and zero-std group detection.
#pragma once
#include <torch/torch.h>


namespace varrl {

class Config;

enum class AdvNorm { Group, Batch, None };

struct AdvantageOptions {
  AdvNorm norm = AdvNorm::Group;  // divide by the group's std, the batch's, or not at all (Dr-GRPO)
  double clip = 5.0;              // 0 = off
  double eps = 1e-4;
  static AdvantageOptions from_config(const Config& cfg);  // rl.adv_norm, rl.adv_clip, rl.adv_eps
};

struct Advantages {
  torch::Tensor A_N;            // one per sample
  torch::Tensor zero_std_M;     // bool per group: all rewards equal
};

// N samples in M groups: rewards_N grouped by group_N (int64 group id per sample, ids 0..M-1, M = num_groups).
Advantages group_advantages(const torch::Tensor& rewards_N, const torch::Tensor& group_N, int64_t num_groups,
                            const AdvantageOptions& opt);

}  // namespace varrl
