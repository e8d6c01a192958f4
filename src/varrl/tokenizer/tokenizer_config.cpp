#include "varrl/tokenizer/tokenizer_config.h"

#include <cmath>
#include <string>

#include "varrl/core/config.h"
#include "varrl/core/error.h"

namespace varrl {

TokenizerConfig TokenizerConfig::from_config(const Config& cfg) {
  TokenizerConfig t;
  t.ch = cfg.get<int>("tokenizer.ch");
  t.ch_mult = cfg.get<std::vector<int>>("tokenizer.ch_mult");
  t.num_res_blocks = cfg.get<int>("tokenizer.num_res_blocks");
  t.attn_lowest = cfg.get<bool>("tokenizer.attn_lowest");
  t.Cvae = cfg.get<int>("tokenizer.Cvae");
  t.vocab_size = cfg.get<int>("tokenizer.vocab_size");
  t.beta = cfg.get<double>("tokenizer.beta");
  t.quant_resi = cfg.get<double>("tokenizer.quant_resi");
  t.share_quant_resi = cfg.get<int>("tokenizer.share_quant_resi");
  for (const auto& hw : cfg.get<std::vector<std::vector<int64_t>>>("tokenizer.patch_nums")) {
    if (hw.size() == 1)
      t.patch_nums.push_back({static_cast<int>(hw[0]), static_cast<int>(hw[0])});
    else if (hw.size() == 2)
      t.patch_nums.push_back({static_cast<int>(hw[0]), static_cast<int>(hw[1])});
    else
      throw Error("tokenizer.patch_nums: each scale must be [h, w] or [n]");
  }
  t.image_height = cfg.get<int>("data.image_height");
  t.image_width = cfg.get<int>("data.image_width");
  t.validate();
  return t;
}

int tokens_before(const std::vector<Scale>& patch_nums, int count) {
  const int end = count < 0 ? static_cast<int>(patch_nums.size()) : count;
  int n = 0;
  for (int i = 0; i < end; ++i) n += patch_nums[i].area();
  return n;
}

int TokenizerConfig::total_tokens() const { return tokens_before(patch_nums); }

int TokenizerConfig::phi_index(int si) const {
  const int K = share_quant_resi, SN = static_cast<int>(patch_nums.size());
  if (K <= 1) return 0;
  double at = SN > 1 ? static_cast<double>(si) / (SN - 1) : 0.0;
  int best = 0;
  double best_d = 1e9;
  // Same float arithmetic as numpy.linspace(1/3/K, 1 - 1/3/K, K) + argmin, so ties break exactly as in VAR.
  const double start = 1.0 / 3 / K, stop = 1 - 1.0 / 3 / K, step = (stop - start) / (K - 1);
  for (int k = 0; k < K; ++k) {
    double tick = k == K - 1 ? stop : start + k * step;
    double d = std::abs(tick - at);
    if (d < best_d) best_d = d, best = k;
  }
  return best;
}

void TokenizerConfig::validate() const {
  if (patch_nums.empty()) throw Error("tokenizer.patch_nums is empty");
  if (ch_mult.empty()) throw Error("tokenizer.ch_mult is empty");
  const int f = downsample();
  if (image_height % f || image_width % f)
    throw Error("data.image_height/width must be divisible by the tokenizer's downsampling " + std::to_string(f));
  const Scale& last = patch_nums.back();
  if (last.h != image_height / f || last.w != image_width / f)
    throw Error("tokenizer.patch_nums: the last scale must equal the latent size " + std::to_string(image_height / f) +
                "x" + std::to_string(image_width / f));
  for (size_t i = 1; i < patch_nums.size(); ++i)
    if (patch_nums[i].h < patch_nums[i - 1].h || patch_nums[i].w < patch_nums[i - 1].w)
      throw Error("tokenizer.patch_nums must grow from coarse to fine");
  if (ch <= 0 || ch % 32 != 0) throw Error("tokenizer.ch must be a multiple of 32 (GroupNorm uses 32 groups)");
}

}  // namespace varrl
