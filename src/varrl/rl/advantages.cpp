#include "varrl/rl/advantages.h"

#include "varrl/core/choice.h"

namespace varrl {

AdvantageOptions AdvantageOptions::from_config(const Config& cfg) {
  AdvantageOptions o;
  o.norm = choice<AdvNorm>(cfg, "rl.adv_norm", {{"group", AdvNorm::Group}, {"batch", AdvNorm::Batch}, {"none", AdvNorm::None}});
  o.clip = cfg.get<double>("rl.adv_clip");
  o.eps = cfg.get<double>("rl.adv_eps");
  return o;
}

Advantages group_advantages(const torch::Tensor& rewards, const torch::Tensor& group, int64_t num_groups,
                            const AdvantageOptions& opt) {
  const int64_t M = num_groups;
  auto r = rewards.to(torch::kDouble);
  auto ones = torch::ones_like(r);
  auto count = torch::zeros({M}, r.options()).index_add(0, group, ones);
  auto mean = torch::zeros({M}, r.options()).index_add(0, group, r) / count.clamp_min(1);
  auto centered = r - mean.index_select(0, group);
  // Unbiased std within each group (as TRL); a group of one has std 0.
  auto var = torch::zeros({M}, r.options()).index_add(0, group, centered * centered) / (count - 1).clamp_min(1);
  auto std_M = var.sqrt();
  Advantages out;
  out.zero_std_M = std_M <= 1e-12;
  switch (opt.norm) {
    case AdvNorm::Group: out.A_N = centered / (std_M.index_select(0, group) + opt.eps); break;
    case AdvNorm::Batch: out.A_N = centered / (r.std() + opt.eps); break;
    case AdvNorm::None: out.A_N = centered; break;
  }
  // A group whose rewards are all equal carries no signal: its advantages are exactly 0 (also when eps = 0).
  out.A_N = torch::where(out.zero_std_M.index_select(0, group), torch::zeros_like(out.A_N), out.A_N);
  if (opt.clip > 0) out.A_N = out.A_N.clamp(-opt.clip, opt.clip);
  out.A_N = out.A_N.to(torch::kFloat32);
  return out;
}

}  // namespace varrl
