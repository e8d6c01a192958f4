#include "varrl/sampler/sampling_dist.h"

#include "varrl/core/config.h"
#include "varrl/core/error.h"

namespace varrl {

SamplingParams SamplingParams::from_config(const Config& cfg, const std::string& s) {
  SamplingParams p;
  p.cfg = cfg.get<double>(s + ".cfg");
  const auto sched = cfg.get<std::string>(s + ".cfg_schedule");
  if (sched != "linear" && sched != "constant") throw Error(s + ".cfg_schedule must be 'linear' or 'constant'");
  p.cfg_linear = sched == "linear";
  p.temperature = cfg.get<double>(s + ".temperature");
  p.top_k = cfg.get<int>(s + ".top_k");
  p.top_p = cfg.get<double>(s + ".top_p");
  if (p.temperature <= 0) throw Error(s + ".temperature must be > 0");
  if (p.top_p < 0 || p.top_p > 1) throw Error(s + ".top_p must be in [0, 1]");
  if (p.cfg < 0) throw Error(s + ".cfg must be >= 0 (0 = no guidance)");
  if (p.top_k < 0) throw Error(s + ".top_k must be >= 0 (0 = off)");
  return p;
}

torch::Tensor sampling_log_probs(const torch::Tensor& cond, const torch::Tensor& uncond, int si, int SN,
                                 const SamplingParams& p) {
  torch::Tensor logits = cond;
  if (p.uses_cfg()) {
    const double t = p.guidance(si, SN);
    logits = (1 + t) * cond - t * uncond;
  }
  if (p.temperature != 1.0) logits = logits / p.temperature;
  const double ninf = -std::numeric_limits<double>::infinity();
  if (p.top_k > 0 && p.top_k < logits.size(-1)) {
    torch::NoGradGuard ng;
    auto kth = std::get<0>(logits.topk(p.top_k, -1)).narrow(-1, p.top_k - 1, 1);
    auto remove = logits < kth;
    logits = logits.masked_fill(remove, ninf);
  }
  if (p.top_p > 0 && p.top_p < 1) {
    torch::Tensor remove;
    {
      torch::NoGradGuard ng;
      auto [sorted, order] = logits.sort(-1, /*descending=*/false);
      auto drop_sorted = sorted.softmax(-1).cumsum(-1) <= (1 - p.top_p);
      drop_sorted.narrow(-1, drop_sorted.size(-1) - 1, 1).fill_(false);  // keep at least the top token
      remove = torch::zeros_like(drop_sorted).scatter(-1, order, drop_sorted);
    }
    logits = logits.masked_fill(remove, ninf);
  }
  return torch::log_softmax(logits, -1);
}

torch::Tensor entropy_from_log_probs(const torch::Tensor& logp) {
  auto finite = torch::isfinite(logp);
  auto term = torch::where(finite, logp.exp() * logp, torch::zeros_like(logp));
  return -term.sum(-1);
}

}  // namespace varrl
