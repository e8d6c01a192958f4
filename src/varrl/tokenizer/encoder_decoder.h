// VAR's VQVAE conv encoder and decoder (ResBlocks, GroupNorm, SiLU, attention at the lowest resolution).
#pragma once
#include <torch/torch.h>

#include "varrl/tokenizer/tokenizer_config.h"

namespace varrl {

// One resolution level: `block.N` ResnetBlocks, `attn.N` (lowest level only), then `downsample` or `upsample`.
struct LevelImpl : torch::nn::Module {
  torch::nn::ModuleList block, attn;
  torch::nn::AnyModule resample;  // Downsample2x / Upsample2x or empty
  torch::Tensor forward(torch::Tensor h);
};
TORCH_MODULE(Level);

// `mid.block_1`, `mid.attn_1`, `mid.block_2`.
struct MidImpl : torch::nn::Module {
  MidImpl(int64_t ch, bool attn);
  torch::Tensor forward(torch::Tensor h);
  torch::nn::AnyModule block_1, attn_1, block_2;
};
TORCH_MODULE(Mid);

struct EncoderImpl : torch::nn::Module {
  explicit EncoderImpl(const TokenizerConfig& cfg);
  torch::Tensor forward(const torch::Tensor& img_B3HW);  // → B, Cvae, h, w
  torch::nn::Conv2d conv_in{nullptr}, conv_out{nullptr};
  torch::nn::ModuleList down;
  Mid mid{nullptr};
  torch::nn::GroupNorm norm_out{nullptr};
};
TORCH_MODULE(Encoder);

struct DecoderImpl : torch::nn::Module {
  explicit DecoderImpl(const TokenizerConfig& cfg);
  torch::Tensor forward(const torch::Tensor& z_BChw);  // → B, 3, H, W (unbounded; clamp to [-1, 1] for images)
  torch::nn::Conv2d conv_in{nullptr}, conv_out{nullptr};
  torch::nn::ModuleList up;  // indexed by level (0 = full resolution), run from the lowest level up
  Mid mid{nullptr};
  torch::nn::GroupNorm norm_out{nullptr};
};
TORCH_MODULE(Decoder);

}  // namespace varrl
