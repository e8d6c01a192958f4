#include "varrl/rl/grpo_loss.h"

#include "varrl/core/error.h"

namespace varrl {

double grpo_denominator(const std::string& agg, const torch::Tensor& w) {
  // Σw in double: the same value whether one process sums the batch or ranks sum their shares (data parallel).
  if (agg == "token_mean") return std::max(1e-12, w.sum(torch::kDouble).item<double>());
  if (agg == "seq_mean") return static_cast<double>(std::max<int64_t>(1, w.size(0)));
  if (agg == "dr_grpo") return static_cast<double>(std::max<int64_t>(1, w.size(0) * w.size(1)));
  throw Error("rl.loss_agg must be token_mean, seq_mean or dr_grpo, got '" + agg + "'");
}

GrpoLossOutput grpo_loss(const GrpoLossInput& in, const GrpoLossOptions& opt, const std::vector<Scale>& pn,
                         double denominator) {
  auto diff_BL = in.logp_BL - in.old_logp_BL;
  torch::Tensor ratio_BL;
  if (opt.ratio_level == "token") {
    ratio_BL = diff_BL.exp();
  } else if (opt.ratio_level == "grid") {
    // One ratio per action (grid): exp(Σ_j diff_j) over the scale's tokens, shared by its tokens.
    std::vector<torch::Tensor> parts;
    int64_t off = 0;
    for (const auto& s : pn) {
      auto d = diff_BL.slice(1, off, off + s.area()).sum(1, true);
      parts.push_back(d.exp().expand({-1, s.area()}));
      off += s.area();
    }
    ratio_BL = torch::cat(parts, 1);
  } else {
    throw Error("rl.ratio_level must be token or grid, got '" + opt.ratio_level + "'");
  }
  auto unclipped = ratio_BL * in.A_BL;
  auto clipped = ratio_BL.clamp(1 - opt.eps_low, 1 + opt.eps_high) * in.A_BL;
  auto term_BL = -torch::min(unclipped, clipped);
  torch::Tensor kl_BL = torch::zeros_like(in.logp_BL);
  if (opt.beta > 0) {
    auto d = in.ref_logp_BL - in.logp_BL;
    kl_BL = d.exp() - d - 1;
    term_BL = term_BL + opt.beta * kl_BL;
  }
  auto weighted_BL = term_BL * in.w_BL;
  torch::Tensor loss;
  if (opt.agg == "seq_mean")
    loss = (weighted_BL.sum(1) / in.w_BL.sum(1).clamp_min(1e-12)).sum() / denominator;
  else
    loss = weighted_BL.sum() / denominator;
  GrpoLossOutput out;
  out.loss = loss;
  out.ratio_BL = ratio_BL.detach();
  out.clipped_BL = (clipped < unclipped).detach();
  out.kl_BL = kl_BL.detach();
  out.term_BL = weighted_BL.detach();
  return out;
}

}  // namespace varrl
