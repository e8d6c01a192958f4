#include "varrl/rl/grpo_loss.h"

#include "varrl/core/choice.h"
#include "varrl/tokenizer/scale_tokens.h"

namespace varrl {

GrpoLossOptions GrpoLossOptions::from_config(const Config& cfg) {
  return {cfg.get<double>("rl.clip_eps_low"), cfg.get<double>("rl.clip_eps_high"), cfg.get<double>("rl.kl_beta"),
          choice<RatioLevel>(cfg, "rl.ratio_level", {{"token", RatioLevel::Token}, {"grid", RatioLevel::Grid}}),
          choice<LossAgg>(cfg, "rl.loss_agg",
                          {{"token_mean", LossAgg::TokenMean}, {"seq_mean", LossAgg::SeqMean}, {"sum", LossAgg::Sum}})};
}

double grpo_denominator(LossAgg agg, const torch::Tensor& w) {
  // Σw in double: the same value whether one process sums the batch or ranks sum their shares (data parallel).
  switch (agg) {
    case LossAgg::TokenMean: return std::max(1e-12, w.sum(torch::kDouble).item<double>());
    case LossAgg::SeqMean: return static_cast<double>(std::max<int64_t>(1, w.size(0)));
    case LossAgg::Sum: break;
  }
  return static_cast<double>(std::max<int64_t>(1, w.size(0) * w.size(1)));
}

GrpoLossOutput grpo_loss(const GrpoLossInput& in, const GrpoLossOptions& opt, const std::vector<Scale>& pn,
                         double denominator) {
  auto diff_BL = in.logp_BL - in.old_logp_BL;
  torch::Tensor ratio_BL;
  if (opt.ratio_level == RatioLevel::Token) {
    ratio_BL = diff_BL.exp();
  } else {
    // One ratio per action (grid): exp(Σ_j diff_j) over the scale's tokens, shared by its tokens.
    std::vector<torch::Tensor> parts;
    for (const auto& s : scale_spans(pn))
      parts.push_back(diff_BL.slice(1, s.begin, s.end).sum(1, true).exp().expand({-1, s.size()}));
    ratio_BL = torch::cat(parts, 1);
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
  if (opt.agg == LossAgg::SeqMean)
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
