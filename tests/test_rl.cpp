// The RL trainer: PANW, VMR, MP, the GRPO loss, on-policy sanity, learning on a cheap reward, exact resume.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "varrl/core/error.h"
#include "varrl/core/runtime.h"
#include "varrl/core/tensor_io.h"
#include "varrl/data/image_tensor.h"
#include "varrl/model/policy_io.h"
#include "varrl/rl/advantages.h"
#include "varrl/rl/grpo_loss.h"
#include "varrl/rl/mask_propagation.h"
#include "varrl/rl/panw.h"
#include "varrl/rl/rollout.h"
#include "varrl/rl/trainer.h"
#include "varrl/rl/vmr.h"
#include "varrl/tokenizer/tokenizer_io.h"
#include "tiny_base.h"

using namespace varrl;
namespace fs = std::filesystem;

TEST(Panw, WeightsFollowTheFormula) {
  std::vector<Scale> pn{{1, 1}, {2, 2}, {4, 4}};
  auto w = panw_scale_weights(pn, 1.0);  // k = 1, 1/4, 1/16; Σ k n = 3; 21 tokens → ×7
  EXPECT_NEAR(w[0].item<double>(), 7.0, 1e-6);
  EXPECT_NEAR(w[1].item<double>(), 1.75, 1e-6);
  EXPECT_NEAR(w[2].item<double>(), 0.4375, 1e-6);
  auto w0 = panw_scale_weights(pn, 0.0);
  EXPECT_TRUE(torch::allclose(w0, torch::ones({3})));
  auto w6 = panw_scale_weights(pn, 0.6);  // mean token weight stays 1
  EXPECT_NEAR((w6 * torch::tensor({1.f, 4.f, 16.f})).sum().item<double>(), 21.0, 1e-4);
  auto act = torch::tensor({false, true, true});
  auto wa = panw_scale_weights(pn, 1.0, act);  // Σ k n over active = 2, 20 tokens → ×10
  EXPECT_EQ(wa[0].item<double>(), 0.0);
  EXPECT_NEAR(wa[1].item<double>(), 2.5, 1e-6);
  EXPECT_NEAR(wa[2].item<double>(), 0.625, 1e-6);
  // Normalised over the whole schedule: the active scales keep their full-schedule weights (×7), the rest get 0.
  auto ws = panw_scale_weights(pn, 1.0, act, PanwNorm::Schedule);
  EXPECT_EQ(ws[0].item<double>(), 0.0);
  EXPECT_NEAR(ws[1].item<double>(), 1.75, 1e-6);
  EXPECT_NEAR(ws[2].item<double>(), 0.4375, 1e-6);
  EXPECT_TRUE(torch::equal(panw_scale_weights(pn, 1.0, torch::ones({3}, torch::kBool), PanwNorm::Schedule), w));
}

TEST(Vmr, SoftValueEstimator) {
  auto v = soft_value(torch::tensor({{0.0, 1.0}, {2.0, 2.0}}), 1.0);
  EXPECT_NEAR(v[0].item<double>(), std::log((1 + std::exp(1.0)) / 2), 1e-12);
  EXPECT_NEAR(v[1].item<double>(), 2.0, 1e-12);
  // Large R/η: log-sum-exp, no overflow; η → 0 approaches the max, large η the mean.
  auto big = soft_value(torch::tensor({{1000.0, 0.0}}), 0.01);
  EXPECT_NEAR(big[0].item<double>(), 1000.0 - 0.01 * std::log(2.0), 1e-9);
  EXPECT_TRUE(std::isfinite(soft_value(torch::tensor({{5e5, 4e5}}), 1e-3)[0].item<double>()));
  EXPECT_NEAR(soft_value(torch::tensor({{0.2, 0.6}}), 1e4)[0].item<double>(), 0.4, 1e-4);
}

TEST(Vmr, AlternationFollowsTheSchedule) {
  std::string got;
  for (int s = 0; s < 8; ++s) got += phase_char(vmr_phase("PPPS", s));
  EXPECT_EQ(got, "PPPSPPPS");
  EXPECT_EQ(phase_char(vmr_phase("B", 5)), 'B');
  EXPECT_THROW(vmr_phase("PX", 1), std::exception);
}

TEST(Advantages, GroupRelativeAndZeroStd) {
  auto r = torch::tensor({1.0, 3.0, 2.0, 2.0});
  auto g = torch::tensor({0L, 0L, 1L, 1L});
  auto a = group_advantages(r, g, 2, {AdvNorm::Group, 0.0, 0.0});
  const double sd = std::sqrt(2.0);  // unbiased std of {1, 3}
  EXPECT_NEAR(a.A_N[0].item<double>(), -1 / sd, 1e-6);
  EXPECT_NEAR(a.A_N[1].item<double>(), 1 / sd, 1e-6);
  EXPECT_EQ(a.A_N[2].item<double>(), 0.0);
  EXPECT_FALSE(a.zero_std_M[0].item<bool>());
  EXPECT_TRUE(a.zero_std_M[1].item<bool>());
  auto none = group_advantages(r, g, 2, {AdvNorm::None, 0.0, 0.0});
  EXPECT_NEAR(none.A_N[1].item<double>(), 1.0, 1e-6);
  auto clipped =
      group_advantages(torch::tensor({0.0, 0.0, 0.0, 1.0}), torch::zeros({4}, torch::kLong), 1, {AdvNorm::Group, 0.5, 0.0});
  EXPECT_NEAR(clipped.A_N[3].item<double>(), 0.5, 1e-6);
}

static MaskOptions mask_opts(MaskPool pool, bool binary) {
  MaskOptions o;
  o.pool = pool, o.binary = binary;
  return o;
}

TEST(MaskPropagation, BoxGivesHandComputedMasksAtEveryScale) {
  std::vector<Scale> pn{{1, 1}, {1, 2}, {2, 4}, {4, 8}};
  // 16 x 32 image, final grid 4 x 8 (4 px cells). Box x∈[0,8) y∈[0,4) covers cells (0,0) and (0,1).
  auto final_hw = rasterize_boxes({{0, 0, 8, 4}}, 16, 32, pn.back(), true);
  auto want_final = torch::zeros({4, 8});
  want_final[0][0] = 1, want_final[0][1] = 1;
  EXPECT_TRUE(torch::equal(final_hw, want_final));
  auto masks = propagate_mask(final_hw, pn, mask_opts(MaskPool::Max, true));
  EXPECT_TRUE(torch::equal(masks[2], torch::tensor({{1.f, 0.f, 0.f, 0.f}, {0.f, 0.f, 0.f, 0.f}})));
  EXPECT_TRUE(torch::equal(masks[1], torch::tensor({{1.f, 0.f}})));
  EXPECT_TRUE(torch::equal(masks[0], torch::tensor({{1.f}})));
  // Soft area rule: cell (0,0) of the 2x4 grid averages a 2x2 block with two live cells.
  auto soft = propagate_mask(final_hw, pn, mask_opts(MaskPool::Area, false));
  EXPECT_NEAR(soft[2][0][0].item<double>(), 0.5, 1e-6);
  EXPECT_NEAR(soft[1][0][0].item<double>(), 2.0 / 16, 1e-6);
  // Per-scale normalisation: 2 live of 32 final tokens → weight 16 each.
  auto w = mask_token_weights(masks);
  EXPECT_EQ(w.numel(), 1 + 2 + 8 + 32);
  EXPECT_NEAR(w[11].item<double>(), 16.0, 1e-5);
  EXPECT_EQ(w[13].item<double>(), 0.0);
  // Without normalisation the mask is a 0/1 gate: a scale's total weight is its live count.
  auto gate = mask_token_weights(masks, MaskNorm::None);
  EXPECT_EQ(gate.sum().item<double>(), 1 + 1 + 1 + 2);
  EXPECT_EQ(gate[11].item<double>(), 1.0);
  // No boxes → all ones.
  EXPECT_TRUE(torch::equal(mp_token_weights({}, 16, 32, pn, mask_opts(MaskPool::Max, true)), torch::ones({43})));
  // Partial cell coverage: a 2-px-wide box covers half a cell → soft 0.5, binary 1.
  EXPECT_NEAR(rasterize_boxes({{0, 0, 2, 4}}, 16, 32, pn.back(), false)[0][0].item<double>(), 0.5, 1e-6);
}

TEST(GrpoLoss, MaskedTokensGetZeroGradientAndRatioIsOneOnPolicy) {
  std::vector<Scale> pn{{1, 1}, {1, 2}};
  auto logp = torch::randn({2, 3}, torch::kFloat64).requires_grad_(true);
  auto w = torch::tensor({{1.0, 0.0, 2.0}, {0.0, 1.0, 1.0}}, torch::kFloat64);
  auto A = torch::tensor({{1.0, 1.0, 1.0}, {-0.5, -0.5, -0.5}}, torch::kFloat64);
  for (auto level : {RatioLevel::Token, RatioLevel::Grid})
    for (auto agg : {LossAgg::TokenMean, LossAgg::SeqMean, LossAgg::Sum}) {
      if (logp.grad().defined()) logp.grad().zero_();
      GrpoLossOptions o{0.2, 0.2, 0.1, level, agg};
      auto out = grpo_loss({logp, logp.detach(), logp.detach() + 0.3, A, w}, o, pn, grpo_denominator(agg, w));
      out.loss.backward();
      EXPECT_EQ((out.ratio_BL - 1).abs().max().item<double>(), 0.0);
      EXPECT_FALSE(out.clipped_BL.any().item<bool>());
      if (level == RatioLevel::Token) {
        EXPECT_EQ(logp.grad()[0][1].item<double>(), 0.0);
        EXPECT_EQ(logp.grad()[1][0].item<double>(), 0.0);
        EXPECT_NE(logp.grad()[0][0].item<double>(), 0.0);
      }
    }
  // Off-policy: a ratio beyond 1 + ε with A > 0 is clipped and gets no surrogate gradient.
  auto lp = torch::zeros({1, 1}, torch::kFloat64).requires_grad_(true);
  auto out = grpo_loss({lp, torch::full({1, 1}, -0.5, torch::kFloat64), {}, torch::ones({1, 1}, torch::kFloat64),
                        torch::ones({1, 1}, torch::kFloat64)},
                       {0.2, 0.2, 0.0, RatioLevel::Token, LossAgg::TokenMean}, {{1, 1}}, 1.0);
  out.loss.backward();
  EXPECT_TRUE(out.clipped_BL.all().item<bool>());
  EXPECT_EQ(lp.grad().item<double>(), 0.0);
}

// ---- end-to-end on a tiny model ---------------------------------------------------------------------------------

// Closeness of the left half to a fixed target image (1 − mean |Δ| / 255); attribution box = the left half, so MP
// has something to propagate. Cheap and verifiable: the best policy reproduces the target's tokens on the left.
class LeftTargetMatch : public RewardFn {
 public:
  explicit LeftTargetMatch(Image target) : target_(std::move(target)) {}
  std::string name() const override { return "left_match"; }
  std::vector<RewardResult> score(const std::vector<Image>& images, const std::vector<PromptRecord>&) override {
    std::vector<RewardResult> out;
    for (const auto& im : images) {
      double s = 0;
      const int W = im.width / 2;
      for (int y = 0; y < im.height; ++y)
        for (int x = 0; x < W; ++x)
          for (int ch = 0; ch < 3; ++ch) s += std::abs(im.px(x, y)[ch] - target_.px(x, y)[ch]);
      RewardResult r;
      r.reward = 1.0 - s / (255.0 * 3 * im.height * W);
      r.parts["left_match"] = r.reward;
      r.words.push_back({"", 1.f, {0, 0, W, im.height}});
      out.push_back(r);
    }
    return out;
  }

 private:
  Image target_;
};

// The target: the tiny tokenizer's decoding of the grid whose tokens are all 7 (learnable through any position).
static std::unique_ptr<RewardFn> make_test_reward() {
  Config c = load_model_config(varrl::testing::make_tiny_base());
  auto vae = load_tokenizer(varrl::testing::make_tiny_base(), c);
  torch::NoGradGuard ng;
  std::vector<torch::Tensor> idx;
  for (auto& s : vae->cfg.patch_nums) idx.push_back(torch::full({1, s.area()}, 7, torch::kLong));
  return std::make_unique<LeftTargetMatch>(tensor_to_images(vae->idxBl_to_img(idx))[0]);
}

static Config rl_config(const std::vector<std::string>& extra) {
  Config c = load_model_config(varrl::testing::make_tiny_base());
  for (auto s : {"rl.prompts_per_step=2", "rl.group_size=8", "rl.micro_batch=8", "rl.lr=0.01", "rl.steps=30",
                 "rl.rollout.cfg=0", "rl.kl_beta=0.01", "rl.vmr.middle_scale=2", "rl.ckpt_every=0",
                 "render.max_words=1"})
    c.set(s);
  c.set("rl.base=" + varrl::testing::make_tiny_base());
  for (auto& s : extra) c.set(s);
  return c;
}

// Boxes for even images only (image i of a batch: a box over columns [4 i', 4 i' + 4) with i' = i mod 4), none for odd
// ones: MP scope `sample` gives odd images all ones; scope `group` gives every image of a prompt the mask of the union
// of its group's boxes, the same for all of them.
class EvenImagesHaveBoxes : public RewardFn {
 public:
  std::string name() const override { return "even_boxes"; }
  std::vector<RewardResult> score(const std::vector<Image>& images, const std::vector<PromptRecord>&) override {
    std::vector<RewardResult> out(images.size());
    for (size_t i = 0; i < images.size(); ++i) {
      out[i].reward = static_cast<double>(i % 3);
      if (i % 2 == 0)
        out[i].words.push_back({"w", 1.f, {4 * static_cast<int>(i % 4), 0, 4 * static_cast<int>(i % 4) + 4, 4}});
    }
    return out;
  }
};

TEST(MaskPropagation, ScopeGroupGivesEveryImageTheUnionOfItsGroupsBoxes) {
  const std::string base = varrl::testing::make_tiny_base();
  Config c = load_model_config(base);
  VAR policy = load_policy(base, c);
  VQVAE vae = load_tokenizer(base, c);
  std::vector<PromptRecord> prompts(2);
  prompts[0].prompt = "a sign that says \"AB\"";
  prompts[1].prompt = "a sign that says \"CD\"";
  EvenImagesHaveBoxes reward;
  RolloutOptions opt;
  opt.group_size = 4;
  opt.vmr.enabled = false;
  opt.sampling.cfg = 0;
  opt.mp = true;
  const auto& pn = policy->cfg.patch_nums;
  const int H = vae->cfg.image_height, W = vae->cfg.image_width;
  auto boxes_of = [](std::vector<int> images) {
    std::vector<Box> b;
    for (int i : images) b.push_back({4 * (i % 4), 0, 4 * (i % 4) + 4, 4});
    return b;
  };
  opt.mask.scope = MaskScope::Sample;
  auto rs = collect_rollouts(policy, vae, reward, prompts, opt, 7).mp;
  EXPECT_DOUBLE_EQ(rs.no_boxes, 0.5);
  EXPECT_TRUE(torch::equal(rs.w_BL[1], torch::ones({policy->cfg.L()})));
  EXPECT_TRUE(torch::allclose(rs.w_BL[2], mp_token_weights(boxes_of({2}), H, W, pn, opt.mask)));
  opt.mask.scope = MaskScope::Group;
  auto rg = collect_rollouts(policy, vae, reward, prompts, opt, 7).mp;
  EXPECT_DOUBLE_EQ(rg.no_boxes, 0.5);
  for (int g = 0; g < 2; ++g) {
    // Images 4g and 4g + 2 have boxes (columns 0-4 and 8-12); the union is the mask of every image of the group.
    auto want_L = mp_token_weights(boxes_of({0, 2}), H, W, pn, opt.mask);
    for (int i = 4 * g; i < 4 * g + 4; ++i) EXPECT_TRUE(torch::allclose(rg.w_BL[i], want_L)) << i;
  }
  EXPECT_FALSE(torch::allclose(rg.w_BL[0], rs.w_BL[0]));  // the union differs from image 0's own box
  c.set("rl.mp.scope=image");
  EXPECT_THROW(MaskOptions::from_config(c), Error);
}

TEST(RLTrainer, FirstInnerEpochIsExactlyOnPolicy) {
  for (auto vmr : {"rl.vmr.enabled=false", "rl.vmr.enabled=true"}) {
    Config c = rl_config({vmr, "rl.rollout.cfg=2.0", "rl.rollout.top_p=0.9"});
    RLTrainer t(c, "", false, make_test_reward());
    for (int s = 0; s < 2; ++s) {
      auto rec = t.step(s);
      EXPECT_LT(rec["ratio/max_abs_dev"].get<double>(), 1e-6) << vmr;
      EXPECT_EQ(rec["clip_ratio/epoch0"].get<double>(), 0.0) << vmr;
      if (s == 0) EXPECT_EQ(rec["kl/epoch0"].get<double>(), 0.0) << vmr;  // π_θ = π_ref at step 0
      // Resident memory is logged every step (a model, a reference and a tokenizer are loaded: tens of MiB at least).
      EXPECT_GT(rec["mem/rss_mb"].get<double>(), 20.0);
      EXPECT_LE(rec["mem/rss_mb"].get<double>(), peak_resident_memory_mb() + 1.0);
    }
  }
}

TEST(RLTrainer, PanwBalancesPerScaleLossShares) {
  auto shares = [](bool panw) {
    Config c = rl_config({"rl.vmr.enabled=false", "rl.mp.enabled=false", "rl.kl_beta=0", "rl.inner_epochs=1",
                          std::string("rl.panw.enabled=") + (panw ? "true" : "false"), "rl.panw.alpha=1.0"});
    RLTrainer t(c, "", false, make_test_reward());
    auto rec = t.step(0);
    std::vector<double> s;
    for (int i = 0; i < 4; ++i) s.push_back(rec["loss_share/scale" + std::to_string(i)].get<double>());
    return s;
  };
  auto off = shares(false), on = shares(true);
  // Without PANW the finest scale (32 of 43 tokens) carries ~3/4 of the loss; with α = 1 each scale ~1/4.
  EXPECT_GT(off[3], 0.6);
  for (double s : on) EXPECT_NEAR(s, 0.25, 0.04);
}

// VMR alone runs with suffix advantages across the prompt's group (rl.vmr.suffix_group=prompt); the full method keeps
// the default (across a prefix's K = 2 continuations), so both forms are covered. VMR alone with the default form and
// the default seed stalled on 2026-12-01 (0.573 -> 0.585 after 60 steps, with seed 1: 0.579 -> 0.941; with the group
// form 0.570 -> 0.988): pairs of continuations give ±1 advantages whose sign is noise on this toy reward.
TEST(RLTrainer, LearningRaisesTheRewardWithEveryComponentCombination) {
  for (auto combo : std::vector<std::vector<std::string>>{
           {"rl.vmr.enabled=false", "rl.panw.enabled=false", "rl.mp.enabled=false"},
           {"rl.vmr.enabled=false", "rl.panw.enabled=true", "rl.mp.enabled=false"},
           {"rl.vmr.enabled=true", "rl.panw.enabled=false", "rl.mp.enabled=false", "rl.vmr.schedule=PS",
            "rl.vmr.suffix_group=prompt"},
           {"rl.vmr.enabled=false", "rl.panw.enabled=false", "rl.mp.enabled=true"},
           {"rl.vmr.enabled=true", "rl.panw.enabled=true", "rl.mp.enabled=true", "rl.vmr.schedule=PPPS"}}) {
    Config c = rl_config(combo);
    RLTrainer t(c, "", false, make_test_reward());
    std::vector<double> r;
    for (int s = 0; s < 60; ++s) r.push_back(t.step(s)["reward/mean"].get<double>());
    double first = (r[0] + r[1] + r[2]) / 3, last = (r[57] + r[58] + r[59]) / 3;
    std::printf("[learning] %s %s %s: reward %.3f -> %.3f\n", combo[0].c_str(), combo[1].c_str(), combo[2].c_str(),
                first, last);
    EXPECT_GT(last, first + 0.05) << combo[0] << " " << combo[1] << " " << combo[2] << ": " << first << " -> " << last;
  }
}

// rl.train_params: only parameters whose name matches train; every other one stays bit for bit where it started.
TEST(RLTrainer, TrainParamsFreezesEveryOtherParameter) {
  Config c = rl_config({"rl.train_params=^head\\.|cross_attn"});
  RLTrainer t(c, "", false, make_test_reward());
  std::map<std::string, torch::Tensor> start;
  for (auto& p : t.policy()->named_parameters()) start[p.key()] = p.value().detach().clone();
  for (int s = 0; s < 2; ++s) t.step(s);
  int trained = 0, changed = 0, frozen = 0;
  for (auto& p : t.policy()->named_parameters()) {
    const bool match = p.key().rfind("head.", 0) == 0 || p.key().find("cross_attn") != std::string::npos;
    if (match) {
      ++trained;
      changed += !torch::equal(p.value(), start[p.key()]);
    } else {
      ++frozen;
      EXPECT_TRUE(torch::equal(p.value(), start[p.key()])) << p.key() << " is frozen but moved";
    }
  }
  EXPECT_GT(frozen, 10);
  EXPECT_GE(trained, 2);
  EXPECT_GE(changed, 2) << "the trained parameters did not move";
  Config bad = rl_config({"rl.train_params=(unclosed"});
  EXPECT_THROW(RLTrainer(bad, "", false, make_test_reward()), Error);
  Config none = rl_config({"rl.train_params=no_such_parameter"});
  EXPECT_THROW(RLTrainer(none, "", false, make_test_reward()), Error);
}

TEST(RLTrainer, ResumeIsBitIdentical) {
  auto dir_a = varrl::testing::temp_dir("rl_resume_a").string();
  auto dir_b = varrl::testing::temp_dir("rl_resume_b").string();
  Config c = rl_config({"rl.steps=4", "rl.ckpt_every=2", "rl.ema=0.9"});
  {
    RLTrainer t(c, dir_a, false, make_test_reward());
    t.run();
  }
  Config c2 = c;
  c2.set("rl.steps=2");
  {
    RLTrainer t(c2, dir_b, false, make_test_reward());
    t.run();  // "killed" after the checkpoint at step 2
  }
  save_model_config(dir_b, c);  // the resumed run continues to 4 steps
  {
    RLTrainer t(c, dir_b, true, make_test_reward());
    EXPECT_EQ(t.current_step(), 2);
    t.run();
  }
  for (auto f : {"/policy.safetensors", "/state/policy_raw.safetensors", "/state/rl_optim.safetensors"}) {
    auto a = load_tensors(dir_a + f), b = load_tensors(dir_b + f);
    ASSERT_EQ(a.size(), b.size());
    for (auto& [k, v] : a)
      EXPECT_TRUE(torch::equal(v, b[k])) << f << " " << k << " max diff " << (v - b[k]).abs().max().item<double>();
  }
  EXPECT_EQ(read_jsonl(dir_a + "/metrics.jsonl").size(), 4u);
  EXPECT_EQ(read_jsonl(dir_b + "/metrics.jsonl").size(), 4u);
}
