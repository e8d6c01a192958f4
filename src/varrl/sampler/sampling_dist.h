// The sampling distribution at one scale: classifier-free guidance (constant or VAR's linear ramp over scales),
// temperature, top-k and top-p. The sampler and the teacher-forced log-probs both go through `sampling_log_probs`,
// which is what makes their log-probs agree (and the first GRPO ratio exactly 1).
#pragma once
#include <torch/torch.h>

#include <string>

namespace varrl {
class Config;

struct SamplingParams {
  double cfg = 0.0;          // guidance weight w; 0 = no CFG (no unconditional pass)
  bool cfg_linear = true;    // t = w·si/(SN−1) (VAR) or t = w
  double temperature = 1.0;
  int top_k = 0;             // 0 = off
  double top_p = 0.0;        // 0 = off
  static SamplingParams from_config(const Config& cfg, const std::string& section = "sampler");
  static SamplingParams plain() { return {}; }  // the policy's own distribution: conditional logits, no truncation
  bool uses_cfg() const { return cfg != 0.0; }
  double guidance(int si, int SN) const { return cfg_linear ? cfg * (SN > 1 ? double(si) / (SN - 1) : 1.0) : cfg; }
};

// log-probabilities (B × l × V, −inf outside the top-k/top-p support) of the sampling distribution at scale si.
// `uncond_BlV` (unconditional logits) is ignored (may be undefined) when the params use no CFG.
torch::Tensor sampling_log_probs(const torch::Tensor& cond_BlV, const torch::Tensor& uncond_BlV, int si,
                                 int SN, const SamplingParams& p);

// Entropy of each position's distribution given its log-probs (handles −inf entries).
torch::Tensor entropy_from_log_probs(const torch::Tensor& logp_BlV);

}  // namespace varrl
