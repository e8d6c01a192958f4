// VarParity: varrl computes FoundationVision/VAR's numbers. tests/data/var_ref/ is a varrl model folder converted by
// scripts/convert_var.py from random full-scale weights (a depth-2 VAR, a reduced VQVAE: ch 32, ch_mult 1,2; fp16-exact
// weights stored as F16) plus ref.safetensors, the official code's outputs on them (scripts/var_parity_ref.py; how to
// regenerate: docs/var-checkpoints.md). VARRL_VAR_REF=DIR runs the same checks on another such folder (the full-width
// ch 160 / d16 check). Errors are max|varrl − VAR| / max|VAR| per tensor, all in fp32.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "varrl/core/tensor_io.h"
#include "varrl/model/policy_io.h"
#include "varrl/sampler/sampler.h"
#include "varrl/tokenizer/tokenizer_io.h"

using namespace varrl;

namespace {

constexpr double kTol = 1e-4;

std::string ref_dir() {
  const char* env = std::getenv("VARRL_VAR_REF");
  return env && *env ? env : VARRL_SOURCE_DIR "/tests/data/var_ref";
}

double rel_err(const torch::Tensor& got, const torch::Tensor& want) {
  auto g = got.to(torch::kDouble), w = want.to(torch::kDouble);
  EXPECT_EQ(g.sizes(), w.sizes());
  const double scale = w.abs().max().item<double>();
  const double err = (g - w).abs().max().item<double>() / (scale > 0 ? scale : 1.0);
  return err;
}

#define EXPECT_PARITY(name, got, want)                          \
  do {                                                          \
    const double e_ = rel_err(got, want);                       \
    std::printf("[parity] %-28s max rel err %.3g\n", name, e_); \
    EXPECT_LT(e_, kTol) << name;                                \
  } while (0)

struct Fixture {
  Config cfg;
  VQVAE vae{nullptr};
  VAR var{nullptr};
  std::map<std::string, torch::Tensor> ref;
  int SN = 0;
  Fixture() {
    const std::string dir = ref_dir();
    cfg = load_model_config(dir);
    vae = load_tokenizer(dir, cfg);
    var = load_policy(dir, cfg);
    ref = load_tensors(dir + "/ref.safetensors");
    SN = static_cast<int>(var->cfg.patch_nums.size());
  }
  std::vector<torch::Tensor> scales(const std::string& prefix) {
    std::vector<torch::Tensor> out;
    for (int si = 0; si < SN; ++si) out.push_back(ref.at(prefix + std::to_string(si) + "_Bl"));
    return out;
  }
};

}  // namespace

TEST(VarParity, TokenizerEncodesQuantisesAndDecodesLikeVar) {
  Fixture fx;
  torch::NoGradGuard ng;
  auto f_BChw = fx.vae->quant_conv(fx.vae->encoder(fx.ref.at("img_B3HW")));
  EXPECT_PARITY("encoder f_BChw", f_BChw, fx.ref.at("f_BChw"));
  auto idx_Bl = fx.vae->quantize->f_to_idxBl(f_BChw);
  auto want_idx = fx.scales("idx_s");
  ASSERT_EQ(idx_Bl.size(), want_idx.size());
  for (int si = 0; si < fx.SN; ++si) EXPECT_TRUE(torch::equal(idx_Bl[si], want_idx[si])) << "scale " << si;
  auto f_hat_BChw = fx.vae->quantize->idxBl_to_fhat(want_idx);
  EXPECT_PARITY("f_hat_BChw", f_hat_BChw, fx.ref.at("f_hat_BChw"));
  EXPECT_PARITY("decoded (unclamped)", fx.vae->decoder(fx.vae->post_quant_conv(f_hat_BChw)), fx.ref.at("dec_B3HW"));
  EXPECT_PARITY("decoded image", fx.vae->fhat_to_img(f_hat_BChw), fx.ref.at("dec_B3HW").clamp(-1, 1));
}

TEST(VarParity, TeacherForcedLogitsMatchVarForALabelAndTheUnconditionalClass) {
  Fixture fx;
  torch::NoGradGuard ng;
  auto x_BLCv = fx.vae->quantize->idxBl_to_var_input(fx.scales("idx_s"));
  EXPECT_PARITY("x_BLCv (teacher forcing)", x_BLCv, fx.ref.at("x_BLCv"));
  auto label_B = fx.ref.at("label_B");
  EXPECT_EQ(label_B[1].item<int64_t>(), fx.var->cfg.num_classes);  // the second row is VAR's unconditional label
  auto logits_BLV = fx.var->forward(fx.var->encode_labels(label_B), x_BLCv);
  EXPECT_PARITY("teacher-forced logits_BLV", logits_BLV, fx.ref.at("logits_BLV"));
}

// The official sampler's indices fed back through varrl's KV-cached sampler: varrl's guided distribution at every
// scale equals VAR's (logits = (1 + t) cond − t uncond, t = cfg·si/(SN − 1)); with VAR's top-k/top-p the log-probs of
// the chosen tokens agree too, and the final image is VAR's.
TEST(VarParity, GuidedSamplingLogitsMatchVarWhenFedTheSameIndices) {
  Fixture fx;
  torch::NoGradGuard ng;
  auto label_B = fx.ref.at("sample_label_B");
  const int64_t B = label_B.size(0);
  auto idx = fx.scales("sample_idx_s");
  std::vector<uint64_t> seeds(B, 0);
  SamplingParams guided;  // guidance only: the whole distribution is log_softmax(guided logits)
  guided.cfg = fx.cfg.get<double>("sampler.cfg");
  // Scale by scale through the KV cache, the way `sample` runs (sampler.cpp), comparing the whole B × l × V.
  {
    auto c = fx.var->encode_labels(label_B);
    auto both = Condition::cat(c, fx.var->null_condition(B));
    fx.var->enable_kv_cache(true);
    const Scale& last = fx.var->cfg.patch_nums.back();
    auto f_hat = torch::zeros({B, fx.var->cfg.Cvae, last.h, last.w});
    torch::Tensor next;
    double worst = 0;
    for (int si = 0; si < fx.SN; ++si) {
      auto logits = fx.var->forward_scale(both, si, si > 0 ? torch::cat({next, next}) : next);
      auto got = sampling_log_probs(logits.slice(0, 0, B), logits.slice(0, B), si, fx.SN, guided);
      auto want = torch::log_softmax(fx.ref.at("guided_s" + std::to_string(si) + "_BlV"), -1);
      worst = std::max(worst, rel_err(got, want));
      next = fx.vae->quantize->next_autoregressive_input(si, f_hat, idx[si]);
    }
    fx.var->enable_kv_cache(false);
    std::printf("[parity] %-28s max rel err %.3g\n", "guided log-probs (all V)", worst);
    EXPECT_LT(worst, kTol);
  }
  SamplingParams p = guided;
  p.top_k = fx.cfg.get<int>("sampler.top_k");
  p.top_p = fx.cfg.get<double>("sampler.top_p");
  auto out = sample(fx.var, fx.vae, fx.var->encode_labels(label_B), p, seeds, idx);
  std::vector<torch::Tensor> want;
  for (int si = 0; si < fx.SN; ++si) {
    auto logits = fx.ref.at("guided_s" + std::to_string(si) + "_BlV").clone();
    const auto V = logits.size(-1);
    if (p.top_k > 0 && p.top_k < V) {  // VAR's helpers.sample_with_top_k_top_p_, written out
      auto kth = std::get<0>(logits.topk(p.top_k, -1)).amin(-1, true);
      logits.masked_fill_(logits < kth, -INFINITY);
    }
    auto [sorted, order] = logits.sort(-1, false);
    auto drop = sorted.softmax(-1).cumsum(-1) <= (1 - p.top_p);
    drop.narrow(-1, V - 1, 1).fill_(false);
    logits.masked_fill_(drop.scatter(-1, order, drop), -INFINITY);
    want.push_back(torch::log_softmax(logits, -1).gather(-1, idx[si].unsqueeze(-1)).squeeze(-1));
  }
  EXPECT_PARITY("top-k/top-p log-probs", out.logp_BL, torch::cat(want, 1));
  EXPECT_PARITY("sampled image", out.images_B3HW, fx.ref.at("sample_img_B3HW") * 2 - 1);
}

// The comparison can fail: one weight off by 1 % moves the teacher-forced logits far outside the tolerance.
TEST(VarParity, APerturbedWeightBreaksParity) {
  Fixture fx;
  torch::NoGradGuard ng;
  fx.var->blocks[0]->as<AdaLNSelfAttnImpl>()->attn->proj->weight.mul_(1.01);
  auto x_BLCv = fx.vae->quantize->idxBl_to_var_input(fx.scales("idx_s"));
  auto logits = fx.var->forward(fx.var->encode_labels(fx.ref.at("label_B")), x_BLCv);
  EXPECT_GT(rel_err(logits, fx.ref.at("logits_BLV")), 10 * kTol);
}
