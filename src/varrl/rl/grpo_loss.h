// The clipped GRPO surrogate with k3 KL, per token, weighted (PANW × MP × segment) and aggregated.
//   ρ = exp(log π_θ − log π_old)            (per token, or per grid: exp of the scale's summed difference)
//   term = −min(ρA, clip(ρ, 1−ε_low, 1+ε_high)A) + β·(exp(ref − logp) − (ref − logp) − 1)
// Aggregation: token_mean = Σ w·term / Σ w over the batch (the trained tokens share one unit of loss, however few);
// seq_mean = mean over sequences of Σ w·term / Σ w; sum = Σ w·term / (num_sequences · L), a constant normaliser:
// the paper's objective (NextFlow Eq. 5, (1/G) Σ_i Σ_t k_t · min(ρA, clip(ρ)A)) with k_t normalised over the whole
// schedule, so a token trained in a prefix-only update weighs what it weighs in a full update (also Dr-GRPO's form).
// Denominators come from the whole rollout batch so that micro-batches accumulate to exactly the full-batch gradient.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

#include "varrl/tokenizer/tokenizer_config.h"

namespace varrl {

class Config;

enum class RatioLevel { Token, Grid };
enum class LossAgg { TokenMean, SeqMean, Sum };

struct GrpoLossOptions {
  double eps_low = 0.2, eps_high = 0.2, beta = 0.0;
  RatioLevel ratio_level = RatioLevel::Token;  // ρ per token, or per grid (the paper's action)
  LossAgg agg = LossAgg::TokenMean;
  static GrpoLossOptions from_config(const Config& cfg);  // rl.clip_eps_*, rl.kl_beta, rl.ratio_level, rl.loss_agg
};

struct GrpoLossInput {
  torch::Tensor logp_BL;       // current policy (differentiable)
  torch::Tensor old_logp_BL;   // π_old (no grad)
  torch::Tensor ref_logp_BL;   // reference (no grad; undefined when beta = 0)
  torch::Tensor A_BL;          // per-token advantage
  torch::Tensor w_BL;          // per-token weight (PANW × MP × active segment); 0 = token not trained
};

struct GrpoLossOutput {
  torch::Tensor loss;          // this micro-batch's contribution (already divided by the batch denominator)
  torch::Tensor ratio_BL;      // ρ per token (detached)
  torch::Tensor clipped_BL;    // bool: the clipped branch was taken
  torch::Tensor kl_BL;         // k3 per token (detached; zeros when beta = 0)
  torch::Tensor term_BL;       // weighted per-token loss terms (detached), for per-scale shares
};

// The denominator of an aggregation mode for a whole rollout batch (weights of every sequence).
double grpo_denominator(LossAgg agg, const torch::Tensor& all_w_BL);
GrpoLossOutput grpo_loss(const GrpoLossInput& in, const GrpoLossOptions& opt, const std::vector<Scale>& patch_nums,
                         double denominator);

}  // namespace varrl
