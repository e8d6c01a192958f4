// KV-cached scale-by-scale generation (VAR's autoregressive_infer_cfg), batched and seeded, optionally starting from
// a given prefix of scales (VMR continuations); and the teacher-forced log-probs of given tokens in one pass.
#pragma once
#include <torch/torch.h>

#include <vector>

#include "varrl/model/var_model.h"
#include "varrl/sampler/sampling_dist.h"
#include "varrl/tokenizer/scale_tokens.h"
#include "varrl/tokenizer/vqvae.h"

namespace varrl {

struct SampleOutput {
  std::vector<torch::Tensor> idx_Bl;  // per scale, B × (h_t w_t) int64
  torch::Tensor logp_BL;              // log-prob of every token under the sampling distribution
  torch::Tensor images_B3HW;          // decoded images in [-1, 1] (undefined when decode = false)
};

// Samples B images for condition `c`. Sample b's tokens at scale si are drawn from a generator seeded by
// (seeds[b], si): a sample's noise depends on its own seed only — not on the batch it is in, nor on how many scales
// came from a prefix. Scales before prefix_Bl.size() are taken from `prefix_Bl` (teacher-forced through the KV
// cache, their log-probs still reported). `num_scales` > 0 stops after that many scales (no image is decoded).
SampleOutput sample(VAR& var, VQVAE& vae, const Condition& c, const SamplingParams& p,
                    const std::vector<uint64_t>& seeds, const std::vector<torch::Tensor>& prefix_Bl = {},
                    bool decode = true, int num_scales = -1);

// Samples one image per (prompts[b], seeds[b]) in batches of `batch_size` (optionally from per-sample prefixes).
SampleOutput sample_prompts(VAR& var, VQVAE& vae, const std::vector<std::string>& prompts, const SamplingParams& p,
                            const std::vector<uint64_t>& seeds, const std::vector<torch::Tensor>& prefix_Bl = {},
                            int batch_size = 16, int num_scales = -1);
// Samples seeds.size() images of one prompt (sample_prompts with the prompt repeated).
SampleOutput sample_prompt(VAR& var, VQVAE& vae, const std::string& prompt, const SamplingParams& p,
                           const std::vector<uint64_t>& seeds, const std::vector<torch::Tensor>& prefix_Bl = {},
                           int batch_size = 16, int num_scales = -1);

// The seed of sample b's draws at scale si.
uint64_t scale_seed(uint64_t sample_seed, int si);

struct LogProbOutput {
  torch::Tensor logp_BL;     // log π(x_j | s_t) for every token (differentiable)
  torch::Tensor entropy_BL;  // entropy of each token's distribution (no gradient)
};

// One teacher-forced forward (with a second, unconditional pass when p uses CFG). `x_BLCv` is
// vae.quantize.idxBl_to_var_input(idx); `idx_BL` the concatenated tokens.
LogProbOutput log_probs(VAR& var, const Condition& c, const torch::Tensor& idx_BL, const torch::Tensor& x_BLCv,
                        const SamplingParams& p);

}  // namespace varrl
