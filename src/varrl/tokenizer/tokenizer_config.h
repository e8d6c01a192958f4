// Hyper-parameters of the multi-scale residual VQ tokenizer (torch-free). Read from the `tokenizer:` config section.
#pragma once
#include <utility>
#include <vector>

namespace varrl {
class Config;

struct Scale {
  int h = 1, w = 1;
  int area() const { return h * w; }
};

// Σ h_t w_t over the first `count` scales (all scales when count < 0): the sequence offset of scale `count`.
int tokens_before(const std::vector<Scale>& patch_nums, int count = -1);

struct TokenizerConfig {
  int ch = 32;
  std::vector<int> ch_mult{1, 2, 2};
  int num_res_blocks = 1;
  bool attn_lowest = true;
  int Cvae = 16;
  int vocab_size = 512;
  double beta = 0.25;
  double quant_resi = 0.5;
  int share_quant_resi = 4;
  std::vector<Scale> patch_nums;  // coarse → fine; the last one is the latent size
  int image_height = 32, image_width = 128;

  static TokenizerConfig from_config(const Config& cfg);  // reads `tokenizer.*` and `data.image_*`
  int downsample() const { return 1 << (static_cast<int>(ch_mult.size()) - 1); }
  int total_tokens() const;  // Σ h_t w_t
  // Which shared φ conv scale `si` uses (VAR's PhiPartiallyShared: nearest of K evenly spaced ticks).
  int phi_index(int si) const;
  void validate() const;  // throws varrl::Error on an inconsistent schedule
};

}  // namespace varrl
