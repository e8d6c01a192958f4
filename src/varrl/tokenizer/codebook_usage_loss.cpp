#include "varrl/tokenizer/codebook_usage_loss.h"

namespace varrl {

torch::Tensor squared_distances(const torch::Tensor& rest_NC, const torch::Tensor& codebook_VC) {
  return rest_NC.pow(2).sum(1, true) + codebook_VC.pow(2).sum(1).unsqueeze(0) -
         2.0 * torch::mm(rest_NC, codebook_VC.t());
}

CodebookUsageLoss codebook_usage_loss(const torch::Tensor& d_NV, double tau) {
  TORCH_CHECK(tau > 0, "codebook usage loss: temperature must be > 0");
  auto logp_NV = torch::log_softmax(-d_NV / tau, 1);
  auto p_NV = logp_NV.exp();
  auto token_entropy = -(p_NV * logp_NV).sum(1).mean();
  auto avg_p_V = p_NV.mean(0);
  auto batch_entropy = -(avg_p_V * avg_p_V.clamp_min(1e-12).log()).sum();
  return {token_entropy - batch_entropy, std::exp(batch_entropy.item<double>())};
}

}  // namespace varrl
