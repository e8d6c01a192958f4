// Per-scale codebook-usage loss (the entropy penalty of MAGVIT-v2 / LFQ, applied to each scale of the residual
// quantiser separately): with soft assignments p_nv = softmax_v(−‖r_n − e_v‖² / τ) of a scale's residual vectors r_n,
//   loss = mean_n H(p_n) − H(mean_n p_n).
// The first term asks every vector to sit near one code, the second asks the vectors of a batch to spread over many
// codes. The codebook is shared by all scales, so code reuse across scales is what the dead-code restart cannot
// see; this term acts on each scale's own residuals (the coarse scales of tokenizer-v1 hit 17–18 codes,
// docs/tokenizer.md).
#pragma once
#include <torch/torch.h>

namespace varrl {

struct CodebookUsageLoss {
  torch::Tensor loss;          // scalar: mean_n H(p_n) − H(mean_n p_n)  (gradient to the codebook and to rest_NC)
  double batch_perplexity = 0; // exp H(mean_n p_n): how many codes the batch's soft assignments spread over
};

// ‖r_n − e_v‖² for N residual vectors and V codes (N × V); the quantiser's nearest-code search is its argmin.
torch::Tensor squared_distances(const torch::Tensor& rest_NC, const torch::Tensor& codebook_VC);

// d_NV: squared_distances of one scale's residuals to the codes; tau > 0: softmax temperature on them.
CodebookUsageLoss codebook_usage_loss(const torch::Tensor& d_NV, double tau);

}  // namespace varrl
