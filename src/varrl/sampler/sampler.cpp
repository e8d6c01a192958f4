#include "varrl/sampler/sampler.h"

#include "varrl/core/error.h"
#include "varrl/core/rng.h"

namespace varrl {

namespace {
// Disables the KV cache on every exit path.
struct KvCacheScope {
  VAR& var;
  explicit KvCacheScope(VAR& v) : var(v) { var->enable_kv_cache(true); }
  ~KvCacheScope() { var->enable_kv_cache(false); }
};
}  // namespace

uint64_t scale_seed(uint64_t sample_seed, int si) {
  // splitmix64 of sample_seed + γ·si (mix64 adds the last γ), 63 bits: a non-negative torch generator seed.
  return mix64(sample_seed + 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(si)) & 0x7FFFFFFFFFFFFFFFull;
}

SampleOutput sample(VAR& var, VQVAE& vae, const Condition& c, const SamplingParams& p,
                    const std::vector<uint64_t>& seeds, const std::vector<torch::Tensor>& prefix_Bl, bool decode,
                    int num_scales) {
  torch::NoGradGuard ng;
  const auto& pn = var->cfg.patch_nums;
  const int SN = static_cast<int>(pn.size());
  if (static_cast<int>(prefix_Bl.size()) > SN) throw Error("sample: prefix longer than the scale schedule");
  const int64_t B = c.batch();
  if (static_cast<int64_t>(seeds.size()) != B) throw Error("sample: need one seed per sample");
  const Condition both = p.uses_cfg() ? Condition::cat(c, var->null_condition(B)) : c;
  KvCacheScope cache(var);
  const Scale& last = pn.back();
  auto f_hat_BChw = torch::zeros({B, var->cfg.Cvae, last.h, last.w}, c.cond_BD.options());
  torch::Tensor next_BChw;  // the next scale's input: area-downsampled f̂
  SampleOutput out;
  std::vector<torch::Tensor> logp_Bl;
  const int stop = num_scales > 0 ? std::min(num_scales, SN) : SN;
  for (int si = 0; si < stop; ++si) {
    auto in_BChw = p.uses_cfg() && si > 0 ? torch::cat({next_BChw, next_BChw}) : next_BChw;
    auto logits_BlV = var->forward_scale(both, si, in_BChw);
    auto cond_BlV = logits_BlV.slice(0, 0, B);
    auto uncond_BlV = p.uses_cfg() ? logits_BlV.slice(0, B, 2 * B) : torch::Tensor();
    auto logp_BlV = sampling_log_probs(cond_BlV, uncond_BlV, si, SN, p);
    torch::Tensor idx_Bl;
    if (si < static_cast<int>(prefix_Bl.size())) {
      idx_Bl = prefix_Bl[si].to(logp_BlV.device());
    } else {
      const auto l = logp_BlV.size(1);
      auto probs_BlV = logp_BlV.exp().to(torch::kFloat32).cpu();
      idx_Bl = torch::empty({B, l}, torch::kLong);
      for (int64_t b = 0; b < B; ++b) {
        auto gen = at::detail::createCPUGenerator(scale_seed(seeds[b], si));
        idx_Bl[b] = torch::multinomial(probs_BlV[b], 1, false, gen).view({l});
      }
      idx_Bl = idx_Bl.to(logp_BlV.device());
    }
    logp_Bl.push_back(logp_BlV.gather(-1, idx_Bl.unsqueeze(-1)).squeeze(-1));
    out.idx_Bl.push_back(idx_Bl);
    next_BChw = vae->quantize->next_autoregressive_input(si, f_hat_BChw, idx_Bl);
  }
  out.logp_BL = torch::cat(logp_Bl, 1);
  if (decode && stop == SN) out.images_B3HW = vae->fhat_to_img(f_hat_BChw);
  return out;
}

LogProbOutput log_probs(VAR& var, const Condition& c, const torch::Tensor& idx_BL, const torch::Tensor& x_BLCv,
                        const SamplingParams& p) {
  const auto& pn = var->cfg.patch_nums;
  const int SN = static_cast<int>(pn.size());
  const int64_t B = c.batch();
  torch::Tensor cond_BLV, uncond_BLV;
  if (p.uses_cfg()) {
    auto logits_BLV = var->forward(Condition::cat(c, var->null_condition(B)), torch::cat({x_BLCv, x_BLCv}));
    cond_BLV = logits_BLV.slice(0, 0, B);
    uncond_BLV = logits_BLV.slice(0, B, 2 * B);
  } else {
    cond_BLV = var->forward(c, x_BLCv);
  }
  std::vector<torch::Tensor> logp_Bl, entropy_Bl;
  for (const auto& s : scale_spans(pn)) {
    auto uncond_BlV = p.uses_cfg() ? uncond_BLV.slice(1, s.begin, s.end) : torch::Tensor();
    auto logp_BlV = sampling_log_probs(cond_BLV.slice(1, s.begin, s.end), uncond_BlV, s.si, SN, p);
    logp_Bl.push_back(logp_BlV.gather(-1, idx_BL.slice(1, s.begin, s.end).unsqueeze(-1)).squeeze(-1));
    torch::NoGradGuard ng;
    entropy_Bl.push_back(entropy_from_log_probs(logp_BlV.detach()));
  }
  return {torch::cat(logp_Bl, 1), torch::cat(entropy_Bl, 1)};
}

// Samples `seeds.size()` sequences for one prompt in batches (optionally continuing from prefixes).
SampleOutput sample_prompts(VAR& var, VQVAE& vae, const std::vector<std::string>& prompts, const SamplingParams& p,
                            const std::vector<uint64_t>& seeds, const std::vector<torch::Tensor>& prefix_Bl,
                            int batch_size, int num_scales) {
  if (prompts.size() != seeds.size()) throw Error("sample_prompts: one prompt per seed");
  if (seeds.empty()) throw Error("sample_prompts: no seeds, nothing to sample");
  if (batch_size < 1) throw Error("sampler.batch_size must be >= 1, got " + std::to_string(batch_size));
  SampleOutput all;
  std::vector<std::vector<torch::Tensor>> idx_Bl_per_batch;
  std::vector<torch::Tensor> logp_BL, images_B3HW;
  const int64_t n = static_cast<int64_t>(seeds.size());
  for (int64_t i = 0; i < n; i += batch_size) {
    const int64_t j = std::min(n, i + batch_size);
    std::vector<uint64_t> s(seeds.begin() + i, seeds.begin() + j);
    std::vector<torch::Tensor> pre;
    for (auto& t : prefix_Bl) pre.push_back(t.slice(0, i, j));
    auto out = sample(var, vae, var->encode_prompts({prompts.begin() + i, prompts.begin() + j}), p, s, pre, true,
                      num_scales);
    idx_Bl_per_batch.push_back(out.idx_Bl);
    logp_BL.push_back(out.logp_BL);
    if (out.images_B3HW.defined()) images_B3HW.push_back(out.images_B3HW);
  }
  for (size_t si = 0; si < idx_Bl_per_batch[0].size(); ++si) {
    std::vector<torch::Tensor> parts;
    for (auto& v : idx_Bl_per_batch) parts.push_back(v[si]);
    all.idx_Bl.push_back(torch::cat(parts));
  }
  all.logp_BL = torch::cat(logp_BL);
  if (!images_B3HW.empty()) all.images_B3HW = torch::cat(images_B3HW);
  return all;
}

SampleOutput sample_prompt(VAR& var, VQVAE& vae, const std::string& prompt, const SamplingParams& p,
                           const std::vector<uint64_t>& seeds, const std::vector<torch::Tensor>& prefix_Bl,
                           int batch_size, int num_scales) {
  return sample_prompts(var, vae, std::vector<std::string>(seeds.size(), prompt), p, seeds, prefix_Bl, batch_size,
                        num_scales);
}

}  // namespace varrl
