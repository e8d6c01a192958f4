#include "varrl/sampler/sampling_dist.h"

#include "varrl/core/choice.h"
#include "varrl/core/error.h"

namespace varrl {

SamplingParams SamplingParams::from_config(const Config& cfg, const std::string& s) {
  SamplingParams p;
  p.cfg = cfg.get<double>(s + ".cfg");
  p.cfg_linear = choice<bool>(cfg, s + ".cfg_schedule", {{"linear", true}, {"constant", false}});
  p.temperature = cfg.get<double>(s + ".temperature");
  p.top_k = cfg.get<int>(s + ".top_k");
  p.top_p = cfg.get<double>(s + ".top_p");
  if (p.temperature <= 0) throw Error(s + ".temperature must be > 0");
  if (p.top_p < 0 || p.top_p > 1) throw Error(s + ".top_p must be in [0, 1]");
  if (p.cfg < 0) throw Error(s + ".cfg must be >= 0 (0 = no guidance)");
  if (p.top_k < 0) throw Error(s + ".top_k must be >= 0 (0 = off)");
  return p;
}

torch::Tensor sampling_log_probs(const torch::Tensor& cond_BlV, const torch::Tensor& uncond_BlV, int si, int SN,
                                 const SamplingParams& p) {
  torch::Tensor logits_BlV = cond_BlV;
  if (p.uses_cfg()) {
    const double t = p.guidance(si, SN);
    logits_BlV = (1 + t) * cond_BlV - t * uncond_BlV;
  }
  if (p.temperature != 1.0) logits_BlV = logits_BlV / p.temperature;
  const double ninf = -std::numeric_limits<double>::infinity();
  if (p.top_k > 0 && p.top_k < logits_BlV.size(-1)) {
    torch::NoGradGuard ng;
    auto kth_Bl1 = std::get<0>(logits_BlV.topk(p.top_k, -1)).narrow(-1, p.top_k - 1, 1);
    logits_BlV = logits_BlV.masked_fill(logits_BlV < kth_Bl1, ninf);
  }
  if (p.top_p > 0 && p.top_p < 1) {
    torch::Tensor remove_BlV;
    {
      torch::NoGradGuard ng;
      auto [sorted_BlV, order_BlV] = logits_BlV.sort(-1, /*descending=*/false);
      auto drop_sorted_BlV = sorted_BlV.softmax(-1).cumsum(-1) <= (1 - p.top_p);
      drop_sorted_BlV.narrow(-1, drop_sorted_BlV.size(-1) - 1, 1).fill_(false);  // keep at least the top token
      remove_BlV = torch::zeros_like(drop_sorted_BlV).scatter(-1, order_BlV, drop_sorted_BlV);
    }
    logits_BlV = logits_BlV.masked_fill(remove_BlV, ninf);
  }
  return torch::log_softmax(logits_BlV, -1);
}

torch::Tensor entropy_from_log_probs(const torch::Tensor& logp_BlV) {
  auto term_BlV = torch::where(torch::isfinite(logp_BlV), logp_BlV.exp() * logp_BlV, torch::zeros_like(logp_BlV));
  return -term_BlV.sum(-1);
}

}  // namespace varrl
