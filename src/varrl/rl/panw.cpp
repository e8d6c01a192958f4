#include "varrl/rl/panw.h"

namespace varrl {

torch::Tensor panw_scale_weights(const std::vector<Scale>& pn, double alpha, const torch::Tensor& active_S) {
  const int64_t SN = static_cast<int64_t>(pn.size());
  auto n_S = torch::empty({SN}, torch::kDouble);
  for (int64_t t = 0; t < SN; ++t) n_S[t] = pn[t].area();
  auto act = active_S.defined() ? active_S.to(torch::kDouble) : torch::ones({SN}, torch::kDouble);
  auto k_S = n_S.pow(-alpha) * act;
  auto total_tokens = (n_S * act).sum();
  auto weighted = (k_S * n_S).sum();
  if (weighted.item<double>() <= 0) return torch::zeros({SN}, torch::kFloat32);
  return (k_S * total_tokens / weighted).to(torch::kFloat32);
}

torch::Tensor per_token(const torch::Tensor& w_S, const std::vector<Scale>& pn) {
  std::vector<torch::Tensor> parts;
  for (size_t t = 0; t < pn.size(); ++t) parts.push_back(w_S[t].expand({pn[t].area()}));
  return torch::cat(parts);
}

}  // namespace varrl
