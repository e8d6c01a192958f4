// VAR's transformer block with AdaLN (`ada_lin: SiLU → Linear(C, 6C)` → gamma1, gamma2, scale1, scale2, shift1,
// shift2; non-affine LayerNorm eps 1e-6), plus an Infinity-style cross-attention sub-layer over the text states, and
// VAR's `head_nm` (AdaLN before the logits head).
#pragma once
#include <torch/torch.h>

#include "varrl/model/attention.h"

namespace varrl {

struct FFNImpl : torch::nn::Module {
  FFNImpl(int64_t dim, int64_t hidden);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(FFN);

// Per-sample conditioning inputs shared by every block.
struct BlockContext {
  torch::Tensor cond_BD;         // AdaLN condition
  torch::Tensor attn_bias_11LL;  // block-causal bias; undefined when sampling with the KV cache
  torch::Tensor text_BTc;        // text states (undefined in class mode)
  torch::Tensor text_bias_B11T;  // 0 / -inf key padding bias of the text
};

struct AdaLNSelfAttnImpl : torch::nn::Module {
  AdaLNSelfAttnImpl(int64_t dim, int64_t heads, double mlp_ratio, bool l2_norm, int64_t text_dim);
  torch::Tensor forward(const torch::Tensor& x_BLC, const BlockContext& ctx);

  int64_t dim;
  torch::nn::Sequential ada_lin{nullptr};  // ada_lin.0 = SiLU, ada_lin.1 = Linear(C, 6C)
  SelfAttention attn{nullptr};
  CrossAttention cross_attn{nullptr};
  torch::nn::LayerNorm ln_ca{nullptr};
  FFN ffn{nullptr};
};
TORCH_MODULE(AdaLNSelfAttn);

struct AdaLNBeforeHeadImpl : torch::nn::Module {
  explicit AdaLNBeforeHeadImpl(int64_t dim);
  torch::Tensor forward(const torch::Tensor& x_BLC, const torch::Tensor& cond_BD);
  int64_t dim;
  torch::nn::Sequential ada_lin{nullptr};  // SiLU, Linear(C, 2C) → scale, shift
};
TORCH_MODULE(AdaLNBeforeHead);

// LayerNorm without affine parameters, eps 1e-6 (VAR's ln_wo_grad).
torch::Tensor layer_norm_no_affine(const torch::Tensor& x);

}  // namespace varrl
