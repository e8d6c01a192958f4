// PANW — per-action normalisation weighting (paper Eq. 9). Action a_t (the grid of scale t, h_t·w_t tokens) is
// weighted k_t = 1/(h_t w_t)^α; the weights are then normalised across steps so that the mean token weight over the
// active scales is 1 (α = 0 reproduces the plain token mean; α = 1 gives every scale the same total weight).
#pragma once
#include <torch/torch.h>

#include <vector>

#include "varrl/tokenizer/tokenizer_config.h"

namespace varrl {

// Per-scale weights (length SN). `active_S` (bool, optional) restricts the normalisation to some scales (VMR
// segments); inactive scales get weight 0.
torch::Tensor panw_scale_weights(const std::vector<Scale>& patch_nums, double alpha,
                                 const torch::Tensor& active_S = {});
// The same weights expanded to one per token (length L).
torch::Tensor per_token(const torch::Tensor& w_S, const std::vector<Scale>& patch_nums);

}  // namespace varrl
