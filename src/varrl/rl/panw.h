// PANW — per-action normalisation weighting (paper Eq. 9). Action a_t (the grid of scale t, h_t·w_t tokens) is
// weighted k_t = 1/(h_t w_t)^α, then normalised across steps so that the mean token weight is 1: over the whole
// schedule (`normalize: schedule`, NextFlow's "keeping the total loss constant" — a VMR segment's tokens weigh what
// they weigh in a full update) or over the scales the step trains (`active`). α = 0 is the plain token mean; α = 1
// gives every scale the same total weight.
#pragma once
#include <torch/torch.h>

#include <vector>

#include "varrl/tokenizer/tokenizer_config.h"

namespace varrl {
class Config;

enum class PanwNorm { Schedule, Active };

struct PanwOptions {
  bool enabled = true;
  double alpha = 0.6;
  PanwNorm normalize = PanwNorm::Schedule;
  static PanwOptions from_config(const Config& cfg);  // rl.panw.*
};

// Per-scale weights (length SN). `active_S` (bool, optional) marks the scales trained this step; the others get 0.
// It also sets the scales normalised over when `normalize` is Active.
torch::Tensor panw_scale_weights(const std::vector<Scale>& patch_nums, double alpha, const torch::Tensor& active_S = {},
                                 PanwNorm normalize = PanwNorm::Active);
// The step's per-scale weights under `opt` (ones on the active scales when PANW is off).
torch::Tensor panw_scale_weights(const std::vector<Scale>& patch_nums, const PanwOptions& opt,
                                 const torch::Tensor& active_S);
// The same weights expanded to one per token (length L).
torch::Tensor per_token(const torch::Tensor& w_S, const std::vector<Scale>& patch_nums);

}  // namespace varrl
