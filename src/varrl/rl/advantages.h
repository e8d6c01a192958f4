// Group-relative advantages (GRPO): A_i = (R_i − mean_group) / (std_group + ε), with batch-std or no division
// (Dr-GRPO) as options, clipping, and zero-std group detection.
#pragma once
#include <torch/torch.h>

#include <string>

namespace varrl {

struct AdvantageOptions {
  std::string norm = "group";  // group | batch | none
  double clip = 5.0;           // 0 = off
  double eps = 1e-4;
};

struct Advantages {
  torch::Tensor A_N;            // one per sample
  torch::Tensor zero_std_G;     // bool per group: all rewards equal
};

// rewards_N grouped by group_N (int64 group id per sample, ids 0..num_groups-1).
Advantages group_advantages(const torch::Tensor& rewards_N, const torch::Tensor& group_N, int64_t num_groups,
                            const AdvantageOptions& opt);

}  // namespace varrl
