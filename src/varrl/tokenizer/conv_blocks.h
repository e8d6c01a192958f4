// Building blocks of VAR's VQVAE encoder/decoder (names follow VAR's state_dict: norm1, conv1, nin_shortcut, ...).
#pragma once
#include <torch/torch.h>

namespace varrl {

// GroupNorm(32, C, eps=1e-6) as VAR's `Normalize`.
torch::nn::GroupNorm make_group_norm(int64_t channels);

struct ResnetBlockImpl : torch::nn::Module {
  ResnetBlockImpl(int64_t in_ch, int64_t out_ch);
  torch::Tensor forward(const torch::Tensor& x_BCHW);
  torch::nn::GroupNorm norm1{nullptr}, norm2{nullptr};
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, nin_shortcut{nullptr};
};
TORCH_MODULE(ResnetBlock);

// Single-head spatial self-attention (VAR's AttnBlock: norm, qkv 1x1 conv, proj_out).
struct AttnBlockImpl : torch::nn::Module {
  explicit AttnBlockImpl(int64_t ch);
  torch::Tensor forward(const torch::Tensor& x_BCHW);
  torch::nn::GroupNorm norm{nullptr};
  torch::nn::Conv2d qkv{nullptr}, proj_out{nullptr};
};
TORCH_MODULE(AttnBlock);

struct Downsample2xImpl : torch::nn::Module {
  explicit Downsample2xImpl(int64_t ch);
  torch::Tensor forward(const torch::Tensor& x_BCHW);
  torch::nn::Conv2d conv{nullptr};
};
TORCH_MODULE(Downsample2x);

struct Upsample2xImpl : torch::nn::Module {
  explicit Upsample2xImpl(int64_t ch);
  torch::Tensor forward(const torch::Tensor& x_BCHW);
  torch::nn::Conv2d conv{nullptr};
};
TORCH_MODULE(Upsample2x);

}  // namespace varrl
