// The paper's objective as configuration choices: the `sum` aggregation (NextFlow Eq. 5) with PANW normalised over the
// whole schedule, VMR's advantages under both suffix groups, and AdamW's betas and weight decay reaching the optimizer.
#include <gtest/gtest.h>

#include "tiny_base.h"
#include "varrl/core/error.h"
#include "varrl/rl/grpo_loss.h"
#include "varrl/rl/panw.h"
#include "varrl/rl/trainer.h"
#include "varrl/rl/vmr.h"

using namespace varrl;

// Σ w·term / (B·L) by hand: on-policy (ρ = 1), β = 0, term = −A per token.
TEST(GrpoLoss, SumAggregationIsTheWeightedSumOverTheConstantBL) {
  std::vector<Scale> pn{{1, 1}, {1, 2}};
  auto logp = torch::randn({2, 3}, torch::kFloat64).requires_grad_(true);
  auto w = torch::tensor({{1.0, 0.0, 2.0}, {0.0, 1.0, 1.0}}, torch::kFloat64);
  auto A = torch::tensor({{1.0, 1.0, 1.0}, {-0.5, -0.5, -0.5}}, torch::kFloat64);
  GrpoLossOptions o{0.2, 0.2, 0.0, RatioLevel::Token, LossAgg::Sum};
  const double denom = grpo_denominator(LossAgg::Sum, w);
  EXPECT_EQ(denom, 6.0);  // B·L, whatever the weights
  EXPECT_EQ(grpo_denominator(LossAgg::TokenMean, w), 5.0);  // Σ w
  auto out = grpo_loss({logp, logp.detach(), {}, A, w}, o, pn, denom);
  // −(1·1 + 2·1 + 1·(−0.5) + 1·(−0.5)) / 6
  EXPECT_NEAR(out.loss.item<double>(), -2.0 / 6.0, 1e-12);
  out.loss.backward();
  EXPECT_NEAR(logp.grad()[0][2].item<double>(), -2.0 / 6.0, 1e-12);  // d/dlogp of −ρ A w / 6 at ρ = 1
}

// One prompt, G = 4 images as 2 prefixes × K = 2, m = 2 on a 3-scale schedule (prefix = tokens 0..2).
struct VmrToy {
  std::vector<Scale> pn{{1, 1}, {1, 2}, {2, 4}};
  VmrOptions opt;
  VmrLayout lay;
  VmrAdvantages adv;
  explicit VmrToy(SuffixGroup group) {
    opt.enabled = true, opt.middle_scale = 2, opt.K = 2, opt.suffix_group = group;
    lay = vmr_layout(opt, 4, pn);
    adv = vmr_advantages(opt, lay, torch::tensor({0.1, 0.5, 0.9, 0.2}, torch::kDouble), 1, {AdvNorm::Group, 0, 0});
  }
  // d loss / d logp of every token for the update of `phase`.
  torch::Tensor grad(VmrPhase phase, LossAgg agg, PanwNorm norm) const {
    auto seg = train_segment(phase, lay, adv, pn);
    auto w_BL = per_token(panw_scale_weights(pn, 0.6, seg.active_S, norm), pn).view({1, -1}) * seg.seg_BL;
    auto logp = torch::zeros({4, 11}, torch::kFloat32).requires_grad_(true);
    GrpoLossOptions o{0.2, 0.2, 0.0, RatioLevel::Token, agg};
    grpo_loss({logp, logp.detach(), {}, seg.A_BL, w_BL}, o, pn, grpo_denominator(agg, w_BL)).loss.backward();
    return logp.grad();
  }
};

// The paper's form: a prefix-only update gives a prefix token exactly the gradient it gets in a full update, and a
// suffix token none. Today's token_mean with PANW over the active scales instead scales the prefix tokens up.
TEST(Vmr, PrefixOnlyUpdateKeepsEachTokensGradientScaleUnderTheSumAggregation) {
  VmrToy t(SuffixGroup::Prompt);
  auto prefix = t.grad(VmrPhase::Prefix, LossAgg::Sum, PanwNorm::Schedule);
  auto full = t.grad(VmrPhase::Both, LossAgg::Sum, PanwNorm::Schedule);
  EXPECT_TRUE(torch::equal(prefix.slice(1, 0, 3), full.slice(1, 0, 3)));
  EXPECT_GT(prefix.slice(1, 0, 3).abs().sum().item<double>(), 0.0);
  EXPECT_EQ(prefix.slice(1, 3).abs().sum().item<double>(), 0.0);
  EXPECT_EQ(prefix[1].abs().sum().item<double>(), 0.0);  // image 1 shares image 0's prefix: trained once, through 0
  auto prefix_tm = t.grad(VmrPhase::Prefix, LossAgg::TokenMean, PanwNorm::Active);
  auto full_tm = t.grad(VmrPhase::Both, LossAgg::TokenMean, PanwNorm::Active);
  const double scale = (prefix_tm[0][0] / full_tm[0][0]).item<double>();
  EXPECT_GT(scale, 2.0) << "token_mean over the active segment should scale a prefix-only step up";
}

// V̂_m per prefix, prefix advantages across the prompt's prefixes; suffix advantages across the prompt's 4 images
// (`prompt`) or across a prefix's 2 continuations (`prefix`: exactly ±1/√2 whatever the reward gap).
TEST(Vmr, AdvantagesOfBothSuffixGroupsByHand) {
  VmrToy prompt(SuffixGroup::Prompt), prefix(SuffixGroup::Prefix);
  const std::vector<double> r{0.1, 0.5, 0.9, 0.2};
  auto v0 = std::log((std::exp(0.1) + std::exp(0.5)) / 2), v1 = std::log((std::exp(0.9) + std::exp(0.2)) / 2);
  EXPECT_NEAR(prompt.adv.values_P[0].item<double>(), v0, 1e-12);
  EXPECT_NEAR(prompt.adv.values_P[1].item<double>(), v1, 1e-12);
  // Two prefixes: ±1/√2 by the sign of v1 − v0, for both continuations of each.
  for (int i = 0; i < 4; ++i)
    EXPECT_NEAR(prompt.adv.A_prefix_B[i].item<double>(), (i < 2 ? -1 : 1) / std::sqrt(2.0), 1e-6) << i;
  const double mean = 0.425, sd = std::sqrt(((0.1 - mean) * (0.1 - mean) + (0.5 - mean) * (0.5 - mean) +
                                             (0.9 - mean) * (0.9 - mean) + (0.2 - mean) * (0.2 - mean)) / 3);
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(prompt.adv.A_suffix_B[i].item<double>(), (r[i] - mean) / sd, 1e-5) << i;
    EXPECT_NEAR(prefix.adv.A_suffix_B[i].item<double>(), (i % 2 == (i < 2 ? 1 : 0) ? 1 : -1) / std::sqrt(2.0), 1e-3)
        << i;
  }
  EXPECT_TRUE(torch::equal(prompt.adv.carries_prefix_B, torch::tensor({true, false, true, false})));
  // K = 1 works with the prompt group and is refused with the prefix group (a group of one continuation).
  VmrOptions k1 = prompt.opt;
  k1.K = 1;
  EXPECT_EQ(vmr_layout(k1, 4, prompt.pn).prefixes, 4);
  k1.suffix_group = SuffixGroup::Prefix;
  EXPECT_THROW(vmr_layout(k1, 4, prompt.pn), Error);
}

TEST(RLTrainer, AdamBetasAndWeightDecayReachTheOptimizer) {
  Config c = load_model_config(varrl::testing::make_tiny_base());
  c.set("rl.base=" + varrl::testing::make_tiny_base());
  c.set("rl.adam_betas=[0.8, 0.95]");
  c.set("rl.weight_decay=0.05");
  c.set("rl.vmr.middle_scale=2");
  c.set("reward.weights.ocr_ned=0");
  c.set("reward.weights.brightness=1");
  RLTrainer t(c, "", false, nullptr);
  const auto& o = static_cast<const torch::optim::AdamWOptions&>(t.optimizer().param_groups().at(0).options());
  EXPECT_EQ(std::get<0>(o.betas()), 0.8);
  EXPECT_EQ(std::get<1>(o.betas()), 0.95);
  EXPECT_EQ(o.weight_decay(), 0.05);
}
