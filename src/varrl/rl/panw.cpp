#include "varrl/rl/panw.h"

#include "varrl/core/choice.h"

namespace varrl {

PanwOptions PanwOptions::from_config(const Config& cfg) {
  PanwOptions o;
  o.enabled = cfg.get<bool>("rl.panw.enabled");
  o.alpha = cfg.get<double>("rl.panw.alpha");
  o.normalize =
      choice<PanwNorm>(cfg, "rl.panw.normalize", {{"schedule", PanwNorm::Schedule}, {"active", PanwNorm::Active}});
  return o;
}

torch::Tensor panw_scale_weights(const std::vector<Scale>& pn, double alpha, const torch::Tensor& active_S,
                                 PanwNorm normalize) {
  const int64_t SN = static_cast<int64_t>(pn.size());
  auto n_S = torch::empty({SN}, torch::kDouble);
  for (int64_t t = 0; t < SN; ++t) n_S[t] = pn[t].area();
  auto act = active_S.defined() ? active_S.to(torch::kDouble) : torch::ones({SN}, torch::kDouble);
  auto over = normalize == PanwNorm::Active ? act : torch::ones({SN}, torch::kDouble);
  auto k_S = n_S.pow(-alpha);
  auto total_tokens = (n_S * over).sum();
  auto weighted = (k_S * n_S * over).sum();
  if (weighted.item<double>() <= 0) return torch::zeros({SN}, torch::kFloat32);
  return (k_S * act * total_tokens / weighted).to(torch::kFloat32);
}

torch::Tensor panw_scale_weights(const std::vector<Scale>& pn, const PanwOptions& opt, const torch::Tensor& active_S) {
  if (!opt.enabled) return active_S.to(torch::kFloat32);
  return panw_scale_weights(pn, opt.alpha, active_S, opt.normalize);
}

torch::Tensor per_token(const torch::Tensor& w_S, const std::vector<Scale>& pn) {
  std::vector<torch::Tensor> parts;
  for (size_t t = 0; t < pn.size(); ++t) parts.push_back(w_S[t].expand({pn[t].area()}));
  return torch::cat(parts);
}

}  // namespace varrl
