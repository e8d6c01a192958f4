#include "varrl/rl/advantages.h"

#include "varrl/core/error.h"

namespace varrl {

Advantages group_advantages(const torch::Tensor& rewards, const torch::Tensor& group, int64_t G,
                            const AdvantageOptions& opt) {
  auto r = rewards.to(torch::kDouble);
  auto ones = torch::ones_like(r);
  auto count = torch::zeros({G}, r.options()).index_add(0, group, ones);
  auto mean = torch::zeros({G}, r.options()).index_add(0, group, r) / count.clamp_min(1);
  auto centered = r - mean.index_select(0, group);
  // Unbiased std within each group (as TRL); a group of one has std 0.
  auto var = torch::zeros({G}, r.options()).index_add(0, group, centered * centered) / (count - 1).clamp_min(1);
  auto std_G = var.sqrt();
  Advantages out;
  out.zero_std_G = std_G <= 1e-12;
  if (opt.norm == "group")
    out.A_N = centered / (std_G.index_select(0, group) + opt.eps);
  else if (opt.norm == "batch")
    out.A_N = centered / (r.std() + opt.eps);
  else if (opt.norm == "none")
    out.A_N = centered;
  else
    throw Error("rl.adv_norm must be group, batch or none, got '" + opt.norm + "'");
  // A group whose rewards are all equal carries no signal: its advantages are exactly 0 (also when eps = 0).
  out.A_N = torch::where(out.zero_std_G.index_select(0, group), torch::zeros_like(out.A_N), out.A_N);
  if (opt.clip > 0) out.A_N = out.A_N.clamp(-opt.clip, opt.clip);
  out.A_N = out.A_N.to(torch::kFloat32);
  return out;
}

}  // namespace varrl
