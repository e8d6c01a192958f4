// VMR — value as middle return (paper Eqs. 1–5, 10), all of it: the split point m, the prefix × continuation layout
// of a prompt's group, the soft value V̂_m, the prefix and suffix advantages, and the schedule that says which segment
// an RL step trains. Without VMR the same calls describe vanilla GRPO (one segment: every scale, every step).
//
// Layout of one prompt's G images with VMR: G/K prefixes (scales < m), each continued K times; image i belongs to
// prefix i / K. V̂_m = η · ln((1/K) Σ_k exp(R_k / η)) (log-sum-exp) is the prefix's return; prefix advantages compare
// the prompt's prefixes, suffix advantages compare the K continuations of a prefix (`prefix`) or the prompt's G
// images (`prompt`, the reading under which the paper's K = 1 works).
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

#include "varrl/model/var_model.h"
#include "varrl/rl/advantages.h"
#include "varrl/sampler/sampler.h"
#include "varrl/tokenizer/tokenizer_config.h"

namespace varrl {
class Config;

enum class SuffixGroup { Prefix, Prompt };
enum class VmrPhase { Prefix, Suffix, Both };

struct VmrOptions {
  bool enabled = false;
  int middle_scale = 5;  // m: scales [0, m) are the prefix, [m, SN) the suffix
  int K = 2;             // continuations per prefix
  double eta = 1.0;      // temperature of the soft value
  SuffixGroup suffix_group = SuffixGroup::Prefix;
  std::string schedule = "B";  // per step, cycled: P = prefix update, S = suffix update, B = both
  // Reads rl.vmr.*; checks the schedule's letters and the suffix group. Layout checks need the group size and the
  // number of scales: layout().
  static VmrOptions from_config(const Config& cfg);
};

// Where a group splits, for a given group size and schedule of scales.
struct VmrLayout {
  int K = 1;             // continuations per prefix (1 without VMR)
  int prefixes = 1;      // prefixes per prompt, G / K
  int m = 0;             // first suffix scale (SN without VMR: everything is "prefix" and trains every step)
  int64_t m_begin = 0;   // first suffix token
};
VmrLayout vmr_layout(const VmrOptions& opt, int group_size, const std::vector<Scale>& patch_nums);

// The phase of RL step `step` (Both without VMR).
VmrPhase vmr_phase(const VmrOptions& opt, int64_t step);
VmrPhase vmr_phase(const std::string& schedule, int64_t step);
char phase_char(VmrPhase p);

// Samples one prompt's G images in the layout: the prefixes (seeds derived from `group_seed`), then their K
// continuations each. Without VMR: G independent samples.
SampleOutput sample_group(VAR& policy, VQVAE& vae, const std::string& prompt, const SamplingParams& sampling,
                          const VmrLayout& lay, int group_size, uint64_t group_seed, int batch_size);

// rewards_PK: one row per prefix, K continuation rewards each → V̂ per prefix (length P).
torch::Tensor soft_value(const torch::Tensor& rewards_PK, double eta);

// Advantages of one step's images, ordered prompt by prompt (G images each, prefix-major as in the layout above).
struct VmrAdvantages {
  torch::Tensor A_prefix_B;    // the advantage the image's prefix tokens carry (GRPO: the image's own)
  torch::Tensor A_suffix_B;    // the advantage its suffix tokens carry
  torch::Tensor carries_prefix_B;  // bool: this image carries its prefix's update (VMR: the first continuation only)
  torch::Tensor values_P;      // VMR: V̂_m per prefix (undefined without VMR)
  torch::Tensor zero_std_Q;    // bool per prompt: all its rewards equal
};
VmrAdvantages vmr_advantages(const VmrOptions& opt, const VmrLayout& lay, const torch::Tensor& rewards_B,
                             int64_t num_prompts, const AdvantageOptions& adv);

// The tokens step `phase` trains: active_S (bool per scale) and, per token, the advantage and the 0/1 segment weight.
struct TrainSegment {
  torch::Tensor active_S;  // bool
  torch::Tensor seg_BL;    // float 0/1: a token of the trained segment (a prefix token only on its carrier image)
  torch::Tensor A_BL;      // float: the advantage of each token under this phase
};
TrainSegment train_segment(VmrPhase phase, const VmrLayout& lay, const VmrAdvantages& adv,
                           const std::vector<Scale>& patch_nums);

}  // namespace varrl
