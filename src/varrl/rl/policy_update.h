// The update of one RL step: π_old and reference log-probs, then inner epochs of the clipped surrogate + KL over
// micro-batches (gradients accumulate to exactly the full batch's, summed over data-parallel ranks), gradient
// clipping and the optimizer step — skipped, with its reason, when the loss, gradient or reward is not finite.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

#include "varrl/data/prompt_record.h"
#include "varrl/dist/data_parallel.h"
#include "varrl/model/var_model.h"
#include "varrl/rl/grpo_loss.h"
#include "varrl/sampler/sampling_dist.h"
#include "varrl/tokenizer/vqvae.h"

namespace varrl {

struct UpdateOptions {
  int epochs = 1;          // inner epochs over the rollout batch (the first is exactly on-policy)
  int64_t micro_batch = 8; // sequences per forward/backward
  double grad_clip = 1.0;
  GrpoLossOptions loss;
  SamplingParams logprob;  // the distribution whose log-probs train: the policy's own, or the rollouts'
};

// What the update trains: each token's advantage and weight (PANW × MP × segment), and the loss denominator of the
// whole step (over every rank).
struct UpdateBatch {
  torch::Tensor idx_BL;
  std::vector<std::string> prompts;  // one per sequence
  torch::Tensor A_BL, w_BL;
  double denominator = 1;
  bool finite_rewards = true;        // over every rank
};

struct UpdateStats {
  double grad_norm = 0, clip_ratio = 0, kl = 0, loss = 0;  // of the last epoch (kl: w-weighted token mean)
  double clip_ratio0 = 0, kl0 = 0, ratio_mean0 = 0, ratio_max_dev0 = 0;  // of the first, on-policy epoch
  std::vector<double> entropy_S, kl_S, loss_share_S;    // per scale, first epoch
  std::string skipped;                                 // why the optimizer step was skipped ("" = it was taken)
};

UpdateStats update_policy(VAR& policy, VAR& ref, VQVAE& vae, torch::optim::Optimizer& opt, DataParallel& dp,
                          const UpdateBatch& batch, const UpdateOptions& uopt);

}  // namespace varrl
