#include "varrl/tokenizer/quantizer.h"


namespace varrl {

namespace F = torch::nn::functional;

PhiImpl::PhiImpl(int64_t C, double quant_resi)
    : torch::nn::Conv2dImpl(torch::nn::Conv2dOptions(C, C, 3).padding(1)), resi_ratio(std::abs(quant_resi)) {}

torch::Tensor PhiImpl::forward(const torch::Tensor& h) {
  return h * (1.0 - resi_ratio) + torch::nn::Conv2dImpl::forward(h) * resi_ratio;
}

MultiScaleQuantizerImpl::MultiScaleQuantizerImpl(const TokenizerConfig& c) : cfg(c) {
  embedding = register_module("embedding", torch::nn::Embedding(cfg.vocab_size, cfg.Cvae));
  // VAR initialises the codebook uniformly in ±1/V ... we use a wider range so that early residuals hit many codes.
  torch::NoGradGuard ng;
  embedding->weight.uniform_(-1.0 / std::sqrt(cfg.Cvae), 1.0 / std::sqrt(cfg.Cvae));
  quant_resi = register_module("quant_resi", QuantResi());
  quant_resi->qresi_ls = quant_resi->register_module("qresi_ls", torch::nn::ModuleList());
  for (int k = 0; k < std::max(1, cfg.share_quant_resi); ++k)
    quant_resi->qresi_ls->push_back(Phi(cfg.Cvae, cfg.quant_resi));
  reset_usage();
}

void MultiScaleQuantizerImpl::reset_usage() {
  usage_counts.clear();
  for (size_t si = 0; si < cfg.patch_nums.size(); ++si)
    usage_counts.push_back(torch::zeros({cfg.vocab_size}, torch::kLong));
}

static torch::Tensor area_down(const torch::Tensor& x, const Scale& s) {
  return F::interpolate(x, F::InterpolateFuncOptions().size(std::vector<int64_t>{s.h, s.w}).mode(torch::kArea));
}

static torch::Tensor bicubic_up(const torch::Tensor& x, const Scale& s) {
  return F::interpolate(
      x, F::InterpolateFuncOptions().size(std::vector<int64_t>{s.h, s.w}).mode(torch::kBicubic).align_corners(false));
}

torch::Tensor MultiScaleQuantizerImpl::embed_scale(const torch::Tensor& idx_Bl, int si) {
  const Scale& s = cfg.patch_nums[si];
  const auto B = idx_Bl.size(0);
  return embedding(idx_Bl).transpose(1, 2).reshape({B, cfg.Cvae, s.h, s.w});
}

torch::Tensor MultiScaleQuantizerImpl::scale_contribution(const torch::Tensor& idx_Bl, int si) {
  const int SN = static_cast<int>(cfg.patch_nums.size());
  auto h_BChw = embed_scale(idx_Bl, si);
  if (si != SN - 1) h_BChw = bicubic_up(h_BChw, cfg.patch_nums.back());
  return quant_resi->qresi_ls[cfg.phi_index(si)]->as<PhiImpl>()->forward(h_BChw);
}

// Nearest code (L2) for each row of rest_NC.
static torch::Tensor nearest_code(const torch::Tensor& rest_NC, const torch::Tensor& codebook_VC) {
  auto d_NV = rest_NC.pow(2).sum(1, true) + codebook_VC.pow(2).sum(1).unsqueeze(0) -
              2.0 * torch::mm(rest_NC, codebook_VC.t());
  return d_NV.argmin(1);
}

QuantizerOutput MultiScaleQuantizerImpl::forward(const torch::Tensor& f_BChw) {
  const int SN = static_cast<int>(cfg.patch_nums.size());
  const auto B = f_BChw.size(0), C = f_BChw.size(1);
  auto f_no_grad = f_BChw.detach();
  auto f_rest = f_no_grad.clone();
  auto f_hat = torch::zeros_like(f_BChw);
  auto vq_loss = torch::zeros({}, f_BChw.options());
  QuantizerOutput out;
  std::vector<torch::Tensor> rest_samples;
  for (int si = 0; si < SN; ++si) {
    const Scale& s = cfg.patch_nums[si];
    auto rest_BChw = si != SN - 1 ? area_down(f_rest, s) : f_rest;
    auto rest_NC = rest_BChw.permute({0, 2, 3, 1}).reshape({-1, C});
    torch::Tensor idx_N;
    {
      torch::NoGradGuard ng;
      idx_N = nearest_code(rest_NC, embedding->weight);
      usage_counts[si] += torch::bincount(idx_N.cpu(), {}, cfg.vocab_size);
      rest_samples.push_back(rest_NC.detach());
    }
    auto idx_Bl = idx_N.view({B, s.area()});
    out.idx_Bl.push_back(idx_Bl);
    auto h_BChw = scale_contribution(idx_Bl, si);
    f_hat = f_hat + h_BChw;
    f_rest = f_rest - h_BChw.detach();
    vq_loss = vq_loss + cfg.beta * F::mse_loss(f_hat.detach(), f_BChw) + F::mse_loss(f_hat, f_no_grad);
  }
  {
    torch::NoGradGuard ng;
    auto all = torch::cat(rest_samples, 0);
    recent_rest_NC = all.index_select(0, torch::randperm(all.size(0), torch::kLong).slice(0, 0, cfg.vocab_size * 2));
    last_rest_NC = std::move(rest_samples);
  }
  out.vq_loss = vq_loss / SN;
  out.f_hat_BChw = (f_hat.detach() - f_no_grad) + f_BChw;  // straight-through
  return out;
}

std::vector<torch::Tensor> MultiScaleQuantizerImpl::f_to_idxBl(const torch::Tensor& f_BChw) {
  return f_to_idxBl_correcting(f_BChw, [](int, const torch::Tensor& label_Bl) { return label_Bl; }).labels_Bl;
}

MultiScaleQuantizerImpl::Corrected MultiScaleQuantizerImpl::f_to_idxBl_correcting(const torch::Tensor& f_BChw,
                                                                                   const CodeChooser& choose) {
  torch::NoGradGuard ng;
  const int SN = static_cast<int>(cfg.patch_nums.size());
  const auto B = f_BChw.size(0), C = f_BChw.size(1);
  auto f_rest = f_BChw.clone();
  Corrected out;
  for (int si = 0; si < SN; ++si) {
    const Scale& s = cfg.patch_nums[si];
    auto rest_BChw = si != SN - 1 ? area_down(f_rest, s) : f_rest;
    auto idx_Bl = nearest_code(rest_BChw.permute({0, 2, 3, 1}).reshape({-1, C}), embedding->weight).view({B, s.area()});
    auto used_Bl = choose(si, idx_Bl);
    out.labels_Bl.push_back(idx_Bl);
    out.inputs_Bl.push_back(used_Bl);
    f_rest = f_rest - scale_contribution(used_Bl, si);
  }
  return out;
}

torch::Tensor MultiScaleQuantizerImpl::idxBl_to_fhat(const std::vector<torch::Tensor>& idx_Bl) {
  const Scale& last = cfg.patch_nums.back();
  auto f_hat = torch::zeros({idx_Bl.at(0).size(0), cfg.Cvae, last.h, last.w}, embedding->weight.options());
  for (size_t si = 0; si < idx_Bl.size(); ++si) f_hat = f_hat + scale_contribution(idx_Bl[si], static_cast<int>(si));
  return f_hat;
}

torch::Tensor MultiScaleQuantizerImpl::idxBl_to_var_input(const std::vector<torch::Tensor>& idx_Bl) {
  const int SN = static_cast<int>(cfg.patch_nums.size());
  const Scale& last = cfg.patch_nums.back();
  const auto B = idx_Bl.at(0).size(0);
  auto f_hat = torch::zeros({B, cfg.Cvae, last.h, last.w}, embedding->weight.options());
  std::vector<torch::Tensor> next_scales;
  for (int si = 0; si < SN - 1; ++si) {
    f_hat = f_hat + scale_contribution(idx_Bl[si], si);
    const Scale& nxt = cfg.patch_nums[si + 1];
    next_scales.push_back(area_down(f_hat, nxt).view({B, cfg.Cvae, -1}).transpose(1, 2));
  }
  return torch::cat(next_scales, 1);
}

torch::Tensor MultiScaleQuantizerImpl::next_autoregressive_input(int si, torch::Tensor& f_hat,
                                                                  const torch::Tensor& idx_Bl) {
  const int SN = static_cast<int>(cfg.patch_nums.size());
  f_hat = f_hat + scale_contribution(idx_Bl, si);
  if (si == SN - 1) return f_hat;
  return area_down(f_hat, cfg.patch_nums[si + 1]);
}

// Writes rows of rest_NC (chosen at random, with a little noise) into the codes `codes`.
static void reseed_codes(torch::Tensor& codebook_VC, const torch::Tensor& codes, const torch::Tensor& rest_NC,
                         torch::Generator& gen, bool distinct_rows) {
  const int64_t n = codes.numel();
  auto pick = distinct_rows ? torch::randperm(rest_NC.size(0), gen, torch::kLong).slice(0, 0, n)
                            : torch::randint(rest_NC.size(0), {n}, gen, torch::kLong);
  auto src = rest_NC.index_select(0, pick.to(rest_NC.device()));
  src = src + 0.01 * rest_NC.std() * torch::randn(src.sizes(), gen, src.options().device(torch::kCPU)).to(src.device());
  codebook_VC.index_copy_(0, codes.to(src.device()), src);
}

int64_t MultiScaleQuantizerImpl::restart_dead_codes(torch::Generator& gen, double coarse_target) {
  torch::NoGradGuard ng;
  if (!recent_rest_NC.defined() || recent_rest_NC.size(0) == 0) return 0;
  auto& codebook_VC = embedding->weight;
  auto total = torch::zeros({cfg.vocab_size}, torch::kLong);
  for (auto& u : usage_counts) total += u;
  auto dead = (total == 0).nonzero().flatten();
  int64_t n = dead.numel();
  if (n > 0) reseed_codes(codebook_VC, dead, recent_rest_NC, gen, false);
  const int SN = static_cast<int>(cfg.patch_nums.size());
  for (int si = 0; coarse_target > 0 && si + 1 < SN && si < static_cast<int>(last_rest_NC.size()); ++si) {
    const double slots = usage_counts[si].sum().item<double>();
    const double want = coarse_target * std::min<double>(cfg.vocab_size, slots);
    const double used = (usage_counts[si] > 0).sum().item<double>();
    const int64_t k = std::min<int64_t>({8, static_cast<int64_t>(want - used), last_rest_NC[si].size(0)});
    if (k <= 0) continue;
    // Least-used codes overall that this scale does not use (dead ones were just re-seeded: skip them too).
    auto score = total.to(torch::kDouble) + (usage_counts[si] > 0).to(torch::kDouble) * 1e18 +
                 (total == 0).to(torch::kDouble) * 1e18;
    auto codes = std::get<1>(score.sort()).slice(0, 0, k);
    reseed_codes(codebook_VC, codes, last_rest_NC[si], gen, true);
    total.index_fill_(0, codes, static_cast<int64_t>(1) << 40);  // not picked again for another scale in this call
    n += k;
  }
  reset_usage();
  return n;
}

}  // namespace varrl
