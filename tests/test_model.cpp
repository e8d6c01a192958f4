// The VAR policy and its sampler: cached/teacher-forced agreement, block-causality, gradients, determinism,
// prefix resume, pretraining.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "varrl/core/config.h"
#include "varrl/core/error.h"
#include "varrl/core/tensor_io.h"
#include "varrl/model/policy_io.h"
#include "varrl/model/pretrain.h"
#include "varrl/model/self_correction.h"
#include "varrl/sampler/sampler.h"
#include "varrl/tokenizer/tokenizer_io.h"
#include "tiny_config.h"

using namespace varrl;

using varrl::testing::tiny_config;

struct Tiny {
  Config cfg = tiny_config();
  VQVAE vae{TokenizerConfig::from_config(cfg)};
  VAR var = make_policy(cfg);
  Tiny() {
    torch::manual_seed(3);
    var = make_policy(cfg);
    // Larger head/gamma weights than the near-identity init, so logits differ noticeably between positions.
    torch::NoGradGuard ng;
    for (auto& p : var->parameters()) p.add_(torch::randn_like(p) * 0.05);
    var->eval();
    vae->eval();
  }
};

static const std::vector<std::string> kPrompts{"a sign that says \"OPEN\"", "a red mug reading \"tea time\""};

TEST(Sampler, KvCachedLogProbsEqualTeacherForced) {
  Tiny t;
  for (auto params :
       {SamplingParams::plain(), SamplingParams{2.0, true, 0.8, 10, 0.9}, SamplingParams{1.5, false, 1.0, 0, 0.0}}) {
    torch::NoGradGuard ng;
    auto c = t.var->encode_prompts(kPrompts);
    auto out = sample(t.var, t.vae, c, params, {11, 12});
    auto idx_BL = cat_scales(out.idx_Bl);
    auto x = t.vae->quantize->idxBl_to_var_input(out.idx_Bl);
    auto lp = log_probs(t.var, c, idx_BL, x, params);
    EXPECT_TRUE(torch::isfinite(out.logp_BL).all().item<bool>());
    EXPECT_LT((lp.logp_BL - out.logp_BL).abs().max().item<double>(), 1e-5) << "cfg " << params.cfg;
  }
}

TEST(Model, BlockCausalMask) {
  Tiny t;
  torch::NoGradGuard ng;
  auto c = t.var->encode_prompts(kPrompts);
  auto base = sample(t.var, t.vae, c, SamplingParams::plain(), {1, 2}, {}, false).idx_Bl;
  auto logits0 = t.var->forward(c, t.vae->quantize->idxBl_to_var_input(base));
  const auto& pn = t.var->cfg.patch_nums;
  for (int si = 0; si + 1 < static_cast<int>(pn.size()); ++si) {
    auto changed = base;
    changed[si] = (changed[si] + 1) % t.var->cfg.vocab_size;
    auto logits1 = t.var->forward(c, t.vae->quantize->idxBl_to_var_input(changed));
    const int64_t end = t.var->cfg.begin(si + 1);
    EXPECT_TRUE(torch::equal(logits0.slice(1, 0, end), logits1.slice(1, 0, end))) << "scale " << si;
    EXPECT_GT((logits0.slice(1, end) - logits1.slice(1, end)).abs().max().item<double>(), 1e-6) << "scale " << si;
  }
}

// model.cross_attn_text=quoted: image tokens cross-attend only to the bytes inside the quotes (a prompt that quotes
// nothing keeps all its bytes); `all`: to every byte but padding.
TEST(Model, QuotedCrossAttentionMasksTheTemplate) {
  torch::NoGradGuard ng;
  const std::vector<std::string> prompts{"a sign that says \"OPEN\"", "no quotes here"};
  for (const std::string mode : {"all", "quoted"}) {
    Tiny t;
    t.cfg.set("model.cross_attn_text=" + mode);
    VAR var = make_policy(t.cfg);
    auto bias_BT = var->encode_prompts(prompts).text_bias_B11T.squeeze(1).squeeze(1);
    auto seen_BT = torch::isfinite(bias_BT);
    const int64_t T = bias_BT.size(1);
    ASSERT_EQ(T, static_cast<int64_t>(prompts[0].size()));
    for (int64_t i = 0; i < T; ++i) {
      const bool inside = i >= 18 && i < 22;  // O P E N
      EXPECT_EQ(seen_BT[0][i].item<bool>(), mode == "all" || inside) << mode << " byte " << i;
      EXPECT_EQ(seen_BT[1][i].item<bool>(), i < static_cast<int64_t>(prompts[1].size())) << mode << " byte " << i;
    }
  }
}

TEST(Model, BlockGradientsMatchFiniteDifferencesInFloat64) {
  torch::manual_seed(0);
  AdaLNSelfAttn block(16, 2, 2.0, true, 8);
  block->to(torch::kFloat64);
  {
    torch::NoGradGuard ng;
    for (auto& p : block->parameters()) p.copy_(torch::randn_like(p) * 0.3);
  }
  auto x = torch::randn({2, 5, 16}, torch::kFloat64).requires_grad_(true);
  BlockContext ctx;
  ctx.cond_BD = torch::randn({2, 16}, torch::kFloat64);
  ctx.attn_bias_11LL = torch::zeros({1, 1, 5, 5}, torch::kFloat64);
  ctx.attn_bias_11LL.slice(2, 0, 2).slice(3, 2, 5).fill_(-INFINITY);
  ctx.text_BTc = torch::randn({2, 3, 8}, torch::kFloat64);
  ctx.text_bias_B11T = torch::zeros({2, 1, 1, 3}, torch::kFloat64);
  ctx.text_bias_B11T[1][0][0][2] = -INFINITY;
  auto w = torch::randn({2, 5, 16}, torch::kFloat64);
  auto f = [&] { return (block->forward(x, ctx) * w).sum(); };
  f().backward();
  auto gx = x.grad().clone();
  auto& wq = block->attn->mat_qkv->weight;
  auto gw = wq.grad().clone();
  const double eps = 1e-6;
  torch::NoGradGuard ng;
  for (int k = 0; k < 12; ++k) {
    int64_t i = k % 2, j = (k * 3) % 5, d = (k * 7) % 16;
    auto orig = x[i][j][d].item<double>();
    x[i][j][d] = orig + eps;
    double fp = f().item<double>();
    x[i][j][d] = orig - eps;
    double fm = f().item<double>();
    x[i][j][d] = orig;
    EXPECT_NEAR((fp - fm) / (2 * eps), gx[i][j][d].item<double>(), 1e-6);
    int64_t r = (k * 5) % wq.size(0), s = (k * 11) % wq.size(1);
    orig = wq[r][s].item<double>();
    wq[r][s] = orig + eps;
    fp = f().item<double>();
    wq[r][s] = orig - eps;
    fm = f().item<double>();
    wq[r][s] = orig;
    EXPECT_NEAR((fp - fm) / (2 * eps), gw[r][s].item<double>(), 1e-6);
  }
}

TEST(Sampler, SeedsDetermineSamplesAndPrefixResumeEqualsFullRun) {
  Tiny t;
  torch::NoGradGuard ng;
  auto c = t.var->encode_prompts(kPrompts);
  SamplingParams p{2.0, true, 1.0, 0, 0.95};
  auto a = sample(t.var, t.vae, c, p, {5, 6});
  auto b = sample(t.var, t.vae, c, p, {5, 6});
  auto d = sample(t.var, t.vae, c, p, {7, 8});
  EXPECT_TRUE(torch::equal(cat_scales(a.idx_Bl), cat_scales(b.idx_Bl)));
  EXPECT_TRUE(torch::equal(a.images_B3HW, b.images_B3HW));
  EXPECT_FALSE(torch::equal(cat_scales(a.idx_Bl), cat_scales(d.idx_Bl)));
  for (int m : {1, 3}) {
    std::vector<torch::Tensor> prefix(a.idx_Bl.begin(), a.idx_Bl.begin() + m);
    auto r = sample(t.var, t.vae, c, p, {5, 6}, prefix);
    EXPECT_TRUE(torch::equal(cat_scales(r.idx_Bl), cat_scales(a.idx_Bl))) << m;
    EXPECT_LT((r.logp_BL - a.logp_BL).abs().max().item<double>(), 1e-5) << m;
    // Different continuation seeds from the same prefix keep the prefix and change the rest.
    auto k = sample(t.var, t.vae, c, p, {50, 60}, prefix);
    for (int si = 0; si < m; ++si) EXPECT_TRUE(torch::equal(k.idx_Bl[si], a.idx_Bl[si]));
    EXPECT_FALSE(torch::equal(k.idx_Bl.back(), a.idx_Bl.back()));
  }
}

// 100 steps (40 left the last window at 0.69–0.71 of the first on different machines: too close to call). With
// self-correction the targets change with the flipped codes each step, and the loss must still fall.
TEST(Model, TinyPretrainingLossFalls) {
  // The second run's targets are re-drawn every step (random flips of up to 30 % of the coarser codes of random
  // images), so its floor is higher: the two measured 0.38 and 0.52 of the first window on the 2-core machine.
  for (auto [sc, ratio] : {std::pair{"pretrain.self_correction=0", 0.5}, std::pair{"pretrain.self_correction=0.3", 0.75}}) {
    Tiny t;
    Config cfg = t.cfg;
    for (auto s : {"pretrain.steps=100", "pretrain.batch_size=8", "pretrain.lr=0.003", "pretrain.warmup_steps=5",
                   "pretrain.log_every=10", "pretrain.ema=0.9", sc})
      cfg.set(s);
    // Two fixed "images" per prompt: the policy must learn a prompt → token-grid mapping.
    torch::manual_seed(0);
    PretrainData data;
    auto imgs = torch::rand({4, 3, 16, 32}) * 2 - 1;
    auto codes = encode_images(t.vae, imgs);
    data.codes_NL = codes;
    data.prompts = {"\"AB\"", "\"CD\"", "\"EF\"", "\"GH\""};
    VAR var = make_policy(cfg), ema = make_policy(cfg);
    copy_weights(ema, var);
    auto res = pretrain(var, &ema, t.vae, data, cfg, "", false);
    EXPECT_LT(res.last_loss, ratio * res.first_loss) << sc << ": " << res.first_loss << " -> " << res.last_loss;
  }
}

// Two prompts, two token grids that differ everywhere: the first scale's token can only be right by reading the
// prompt. The text-gain metric (cross-entropy rise when the batch's prompts are swapped) at scale 0 is ~0 at first
// and large after training. The prompts share a template and differ in two quoted bytes, as in the corpus: when the
// pooled condition averaged the whole prompt this model had not learned to tell them apart after 150 steps (gain
// 0.004 nats at scale 0); pooled over the quoted text it has.
TEST(Model, PretrainingTextGainShowsThePromptIsRead) {
  Tiny t;
  Config cfg = t.cfg;
  for (auto s : {"pretrain.steps=150", "pretrain.batch_size=8", "pretrain.lr=0.003", "pretrain.warmup_steps=5",
                 "pretrain.log_every=10", "pretrain.ema=0", "pretrain.cond_drop=0"})
    cfg.set(s);
  torch::manual_seed(0);
  VQVAE vae(TokenizerConfig::from_config(cfg));
  PretrainData data;  // two token grids that differ at every position (no image needed)
  const int64_t L = make_policy(cfg)->cfg.L(), V = cfg.get<int64_t>("tokenizer.vocab_size");
  auto a_L = torch::randint(V, {L}, torch::kLong);
  data.codes_NL = torch::stack({a_L, (a_L + 1 + torch::randint(V - 1, {L}, torch::kLong)) % V});
  data.prompts = {"a sign that says \"AB\"", "a sign that says \"CD\""};
  Config first = cfg;
  first.set("pretrain.steps=1");
  first.set("pretrain.log_every=1");
  torch::manual_seed(1);
  VAR var0 = make_policy(cfg);
  auto res0 = pretrain(var0, nullptr, vae, data, first, "", false);
  torch::manual_seed(1);
  VAR var = make_policy(cfg);
  auto res = pretrain(var, nullptr, vae, data, cfg, "", false);
  ASSERT_EQ(res.last_text_gain_S.size(), 5u);
  EXPECT_LT(std::abs(res0.last_text_gain_S[0]), 0.05) << res0.last_text_gain_S[0];
  EXPECT_GT(res.last_text_gain_S[0], 1.0) << res.last_text_gain_S[0] << " loss " << res.first_loss << " -> "
                                          << res.last_loss;
}

// pretrain.stop_at ends a run on the schedule of pretrain.steps; resuming it reproduces the uninterrupted run exactly.
// Also with self-correction (random flips, whose draws come from the step's generator).
TEST(Model, PretrainStopAtThenResumeIsBitIdentical) {
  for (const std::vector<std::string> extra :
       {std::vector<std::string>{},
        {"pretrain.self_correction=0.2"}}) {
    Tiny t;
    Config cfg = t.cfg;
    for (auto s : {"pretrain.steps=6", "pretrain.batch_size=4", "pretrain.lr=0.003", "pretrain.warmup_steps=2",
                   "pretrain.log_every=2", "pretrain.ema=0.9", "pretrain.ckpt_every=0"})
      cfg.set(s);
    for (const auto& s : extra) cfg.set(s);
    torch::manual_seed(0);
    PretrainData data;
    data.codes_NL = encode_images(t.vae, torch::rand({4, 3, 16, 32}) * 2 - 1);
    data.prompts = {"\"AB\"", "\"CD\"", "\"EF\"", "\"GH\""};
    namespace fs = std::filesystem;
    const fs::path root = fs::temp_directory_path() /
                          ("varrl_test_pretrain_" + std::to_string(::getpid()) + "_" + std::to_string(extra.size()));
    fs::remove_all(root);
    auto run = [&](const std::string& dir, const Config& c, bool resume) {
      fs::create_directories(dir);
      torch::manual_seed(1);
      VAR var = make_policy(c), ema = make_policy(c);
      copy_weights(ema, var);
      return pretrain(var, &ema, t.vae, data, c, dir, resume);
    };
    run((root / "a").string(), cfg, false);
    Config early = cfg;
    early.set("pretrain.stop_at=3");
    EXPECT_EQ(run((root / "b").string(), early, false).steps, 3);
    EXPECT_EQ(run((root / "b").string(), early, true).steps, 0);  // already there: nothing trained, nothing written
    EXPECT_EQ(run((root / "b").string(), cfg, true).steps, 3);
    for (auto f : {"/policy.safetensors", "/state/policy_raw.safetensors", "/state/pretrain_optim.safetensors"}) {
      auto a = load_tensors((root / "a").string() + f), b = load_tensors((root / "b").string() + f);
      ASSERT_EQ(a.size(), b.size()) << f;
      for (auto& [k, v] : a)
        EXPECT_TRUE(torch::equal(v, b.at(k))) << extra.size() << f << " " << k << " max diff "
                                              << (v - b.at(k)).abs().max().item<double>();
    }
    fs::remove_all(root);
  }
}

TEST(Model, ScaleWeightsFollowTheFormula) {
  std::vector<Scale> pn{{1, 1}, {2, 2}, {4, 4}};
  auto w = scale_token_weights(pn, 1.0);
  // raw: 1, 1/4 (x4), 1/16 (x16): sum = 3, L = 21 → factor 7
  EXPECT_NEAR(w[0].item<double>(), 7.0, 1e-5);
  EXPECT_NEAR(w[1].item<double>(), 7.0 / 4, 1e-5);
  EXPECT_NEAR(w[20].item<double>(), 7.0 / 16, 1e-5);
  EXPECT_NEAR(scale_token_weights(pn, 0.0).sum().item<double>(), 21.0, 1e-5);
}

TEST(Model, StateDictUsesVARNames) {
  VAR var = make_policy(tiny_config());
  std::set<std::string> names;
  for (auto& p : var->named_parameters()) names.insert(p.key());
  for (auto& b : var->named_buffers()) names.insert(b.key());
  for (auto n : {"blocks.0.attn.mat_qkv.weight", "blocks.1.ada_lin.1.weight", "head_nm.ada_lin.1.bias", "pos_1LC",
                 "pos_start", "lvl_embed.weight", "word_embed.weight", "head.weight", "blocks.0.attn.q_bias",
                 "blocks.0.attn.scale_mul_1H11", "blocks.0.ffn.fc1.weight", "attn_bias_for_masking", "lvl_1L"})
    EXPECT_TRUE(names.count(n)) << n;
}
