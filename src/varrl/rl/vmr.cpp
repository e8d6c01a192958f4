#include "varrl/rl/vmr.h"

#include "varrl/core/choice.h"
#include "varrl/core/error.h"
#include "varrl/core/rng.h"

namespace varrl {

VmrOptions VmrOptions::from_config(const Config& cfg) {
  const VmrOptions o{
      cfg.get<bool>("rl.vmr.enabled"),
      cfg.get<int>("rl.vmr.middle_scale"),
      cfg.get<int>("rl.vmr.K"),
      cfg.get<double>("rl.vmr.eta"),
      choice<SuffixGroup>(cfg, "rl.vmr.suffix_group", {{"prefix", SuffixGroup::Prefix}, {"prompt", SuffixGroup::Prompt}}),
      cfg.get<std::string>("rl.vmr.schedule"),
  };
  if (o.schedule.empty() || o.schedule.find_first_not_of("PSB") != std::string::npos)
    throw Error("config key 'rl.vmr.schedule' must be a string of P, S and B (e.g. PPPS); got '" + o.schedule + "'");
  if (o.eta <= 0) throw Error("config key 'rl.vmr.eta' must be > 0");
  return o;
}

VmrLayout vmr_layout(const VmrOptions& opt, int G, const std::vector<Scale>& pn) {
  const int SN = static_cast<int>(pn.size());
  VmrLayout lay;
  if (!opt.enabled) {
    lay.prefixes = G, lay.m = SN, lay.m_begin = tokens_before(pn);
    return lay;
  }
  if (opt.K < 1 || G % opt.K != 0)
    throw Error("rl.vmr.K (" + std::to_string(opt.K) + ") must divide rl.group_size (" + std::to_string(G) + ")");
  if (opt.middle_scale <= 0 || opt.middle_scale >= SN)
    throw Error("rl.vmr.middle_scale must be in [1, " + std::to_string(SN - 1) + "] (the schedule has " +
                std::to_string(SN) + " scales), got " + std::to_string(opt.middle_scale));
  if (opt.suffix_group == SuffixGroup::Prefix && opt.K < 2)
    throw Error("rl.vmr.K = 1 leaves one continuation per prefix: set rl.vmr.suffix_group=prompt");
  if (G / opt.K < 2)
    throw Error("rl.group_size / rl.vmr.K must be >= 2: the prefix advantages compare a prompt's prefixes");
  lay.K = opt.K, lay.prefixes = G / opt.K, lay.m = opt.middle_scale, lay.m_begin = tokens_before(pn, opt.middle_scale);
  return lay;
}

VmrPhase vmr_phase(const std::string& schedule, int64_t step) {
  if (schedule.empty()) throw Error("rl.vmr.schedule is empty");
  switch (schedule[static_cast<size_t>(step) % schedule.size()]) {
    case 'P': return VmrPhase::Prefix;
    case 'S': return VmrPhase::Suffix;
    case 'B': return VmrPhase::Both;
  }
  throw Error("rl.vmr.schedule: unknown phase in '" + schedule + "' (use P, S, B)");
}

VmrPhase vmr_phase(const VmrOptions& opt, int64_t step) {
  return opt.enabled ? vmr_phase(opt.schedule, step) : VmrPhase::Both;
}

char phase_char(VmrPhase p) { return p == VmrPhase::Prefix ? 'P' : p == VmrPhase::Suffix ? 'S' : 'B'; }

torch::Tensor soft_value(const torch::Tensor& rewards_PK, double eta) {
  if (eta <= 0) throw Error("rl.vmr.eta must be > 0");
  auto r = rewards_PK.to(torch::kDouble);
  const double K = static_cast<double>(r.size(1));
  return eta * (torch::logsumexp(r / eta, 1) - std::log(K));
}

SampleOutput sample_group(VAR& policy, VQVAE& vae, const std::string& prompt, const SamplingParams& sampling,
                          const VmrLayout& lay, int G, uint64_t group_seed, int batch_size) {
  std::vector<torch::Tensor> prefix_Bl;
  if (lay.K > 1 || lay.prefixes < G) {
    std::vector<uint64_t> pre_seeds;
    for (int i = 0; i < lay.prefixes; ++i) pre_seeds.push_back(derive_seed(group_seed, i));
    auto pre = sample_prompt(policy, vae, prompt, sampling, pre_seeds, {}, batch_size, lay.m);
    for (int si = 0; si < lay.m; ++si) prefix_Bl.push_back(pre.idx_Bl[si].repeat_interleave(lay.K, 0));
  }
  std::vector<uint64_t> seeds;
  for (int i = 0; i < G; ++i) seeds.push_back(derive_seed(group_seed, 1000 + i));
  return sample_prompt(policy, vae, prompt, sampling, seeds, prefix_Bl, batch_size);
}

VmrAdvantages vmr_advantages(const VmrOptions& opt, const VmrLayout& lay, const torch::Tensor& rewards_B,
                             int64_t Q, const AdvantageOptions& adv) {
  const int64_t B = rewards_B.size(0), G = B / Q, P = Q * lay.prefixes;
  auto image_B = torch::arange(B, torch::kLong);
  auto prompt_B = image_B.div(G, "floor"), prefix_B = image_B.div(lay.K, "floor");
  VmrAdvantages out;
  auto by_prompt = group_advantages(rewards_B, prompt_B, Q, adv);
  out.zero_std_Q = by_prompt.zero_std_M;
  const bool by_prefix = opt.enabled && opt.suffix_group == SuffixGroup::Prefix;
  out.A_suffix_B = by_prefix ? group_advantages(rewards_B, prefix_B, P, adv).A_N : by_prompt.A_N;
  out.A_prefix_B = out.A_suffix_B;
  out.carries_prefix_B = torch::ones({B}, torch::kBool);
  if (opt.enabled) {
    // Prefix problem: return V̂_m per prefix, advantages across the prefixes of a prompt; the prefix's tokens are
    // trained once, through its first continuation.
    out.values_P = soft_value(rewards_B.view({P, lay.K}), opt.eta);
    auto prompt_P = torch::arange(P, torch::kLong).div(lay.prefixes, "floor");
    out.A_prefix_B = group_advantages(out.values_P, prompt_P, Q, adv).A_N.index_select(0, prefix_B);
    out.carries_prefix_B = image_B.remainder(lay.K) == 0;
  }
  return out;
}

TrainSegment train_segment(VmrPhase phase, const VmrLayout& lay, const VmrAdvantages& adv,
                           const std::vector<Scale>& pn) {
  const int SN = static_cast<int>(pn.size());
  const int64_t B = adv.A_prefix_B.size(0), L = tokens_before(pn);
  const bool prefix = phase != VmrPhase::Suffix, suffix = phase != VmrPhase::Prefix;
  TrainSegment seg;
  seg.active_S = torch::zeros({SN}, torch::kBool);
  for (int t = 0; t < SN; ++t) seg.active_S[t] = t < lay.m ? prefix : suffix;
  auto in_prefix_1L = (torch::arange(L) < lay.m_begin).view({1, L}).to(torch::kFloat32);
  auto pre_BL = in_prefix_1L * adv.carries_prefix_B.view({B, 1}).to(torch::kFloat32) * (prefix ? 1.f : 0.f);
  auto suf_BL = (1 - in_prefix_1L).expand({B, L}) * (suffix ? 1.f : 0.f);
  seg.seg_BL = pre_BL + suf_BL;
  seg.A_BL = pre_BL * adv.A_prefix_B.view({B, 1}) + suf_BL * adv.A_suffix_B.view({B, 1});
  return seg;
}

}  // namespace varrl
