// Sampling throughput at the default preset with and without the KV cache (ratio printed side by side), the
// pretraining forward+backward tokens/s next to the machine's fp32 GEMM peak. Prints one JSON line.
// Usage: build/bench_sampler [--set-style key=value ...]
#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "bench_common.h"
#include "varrl/core/config.h"
#include "varrl/core/runtime.h"
#include "varrl/model/policy_io.h"
#include "varrl/sampler/sampler.h"

using namespace varrl;
using namespace varrl::bench;

// Without a cache: every scale re-runs the teacher-forced forward over all tokens so far.
static void sample_no_cache(VAR& var, VQVAE& vae, const Condition& c, const std::vector<uint64_t>& seeds) {
  torch::NoGradGuard ng;
  const auto& pn = var->cfg.patch_nums;
  std::vector<torch::Tensor> idx;
  for (int si = 0; si < static_cast<int>(pn.size()); ++si) {
    // Tokens so far, padded with zeros: the inputs up to scale si depend only on the real tokens before it.
    auto padded = idx;
    for (int sj = si; sj < static_cast<int>(pn.size()); ++sj)
      padded.push_back(torch::zeros({c.batch(), pn[sj].area()}, torch::kLong));
    auto x = vae->quantize->idxBl_to_var_input(padded).slice(1, 0, var->cfg.begin(si + 1) - var->cfg.first_l());
    auto logits = var->forward(c, x).slice(1, var->cfg.begin(si));
    auto probs = torch::softmax(logits, -1).reshape({-1, logits.size(-1)});
    auto g = at::detail::createCPUGenerator(scale_seed(seeds[0], si));
    idx.push_back(torch::multinomial(probs, 1, false, g).view({c.batch(), -1}));
  }
  vae->idxBl_to_img(idx);
}

int main(int argc, char** argv) {
  Config cfg = bench_config(argc, argv);
  VQVAE vae(TokenizerConfig::from_config(cfg));
  VAR var = make_policy(cfg);
  vae->eval(), var->eval();
  const int B = 8, reps = 3;
  std::vector<uint64_t> seeds;
  for (int i = 0; i < B; ++i) seeds.push_back(i);
  const std::string kPrompt = "a sign that says \"OPEN\"";
  const Condition c = [&] {
    torch::NoGradGuard ng;
    return var->encode_prompts(std::vector<std::string>(B, kPrompt));
  }();
  nlohmann::json out;
  const double peak = gemm_gflops();
  auto t = clk::now();
  out["gemm_gflops_fp32"] = peak;
  SamplingParams plain = SamplingParams::plain();
  sample(var, vae, c, plain, seeds);
  t = clk::now();
  for (int i = 0; i < reps; ++i) sample(var, vae, c, plain, seeds);
  const double cached = B * reps / seconds_since(t);
  t = clk::now();
  for (int i = 0; i < reps; ++i) sample_no_cache(var, vae, c, seeds);
  const double uncached = B * reps / seconds_since(t);
  out["sample_images_per_s_kv_cache"] = cached;
  out["sample_images_per_s_no_cache"] = uncached;
  out["kv_cache_speedup"] = cached / uncached;
  // Pretraining step: forward + backward of the teacher-forced policy.
  var->train();
  const int64_t L = var->cfg.L();
  std::vector<torch::Tensor> idx;
  for (auto& s : var->cfg.patch_nums) idx.push_back(torch::randint(var->cfg.vocab_size, {B, s.area()}, torch::kLong));
  auto x = [&] { torch::NoGradGuard ng; return vae->quantize->idxBl_to_var_input(idx); }();
  auto step = [&](VAR& v, const std::string& prompt) {
    auto logits = v->forward(v->encode_prompts(std::vector<std::string>(B, prompt)), x);
    torch::nn::functional::cross_entropy(logits.reshape({-1, logits.size(-1)}), cat_scales(idx).reshape({-1}))
        .backward();
  };
  step(var, "a \"x\"");
  t = clk::now();
  for (int i = 0; i < reps; ++i) step(var, "a \"x\"");
  const double tok_s = B * L * reps / seconds_since(t);
  int64_t params = 0;
  for (auto& p : var->parameters()) params += p.numel();
  // ≈ 6 · params FLOP per token for forward + backward (attention over L tokens not counted).
  out["pretrain_tokens_per_s"] = tok_s;
  out["pretrain_gflops_est"] = 6.0 * params * tok_s / 1e9;
  out["fraction_of_gemm_peak"] = 6.0 * params * tok_s / 1e9 / peak;
  out["policy_params"] = params;
  out["L"] = L;
  std::printf("%s\n", out.dump().c_str());
}
