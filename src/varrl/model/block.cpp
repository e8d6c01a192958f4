#include "varrl/model/block.h"

namespace varrl {

namespace F = torch::nn::functional;

torch::Tensor layer_norm_no_affine(const torch::Tensor& x) {
  return torch::layer_norm(x, {x.size(-1)}, {}, {}, 1e-6);
}

FFNImpl::FFNImpl(int64_t dim, int64_t hidden) {
  fc1 = register_module("fc1", torch::nn::Linear(dim, hidden));
  fc2 = register_module("fc2", torch::nn::Linear(hidden, dim));
}

torch::Tensor FFNImpl::forward(const torch::Tensor& x) {
  return fc2(torch::gelu(fc1(x), "tanh"));
}

AdaLNSelfAttnImpl::AdaLNSelfAttnImpl(int64_t d, int64_t heads, double mlp_ratio, bool l2_norm, int64_t text_dim)
    : dim(d) {
  attn = register_module("attn", SelfAttention(d, heads, l2_norm));
  if (text_dim > 0) {
    ln_ca = register_module("ln_ca", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d}).eps(1e-6)));
    cross_attn = register_module("cross_attn", CrossAttention(d, text_dim, heads));
  }
  ffn = register_module("ffn", FFN(d, static_cast<int64_t>(std::round(d * mlp_ratio))));
  ada_lin = register_module("ada_lin", torch::nn::Sequential(torch::nn::SiLU(), torch::nn::Linear(d, 6 * d)));
}

torch::Tensor AdaLNSelfAttnImpl::forward(const torch::Tensor& x_BLC, const BlockContext& ctx) {
  auto ada_B16C = ada_lin->forward(ctx.cond_BD).view({-1, 1, 6, dim});
  auto gamma1 = ada_B16C.select(2, 0), gamma2 = ada_B16C.select(2, 1);
  auto scale1 = ada_B16C.select(2, 2), scale2 = ada_B16C.select(2, 3);
  auto shift1 = ada_B16C.select(2, 4), shift2 = ada_B16C.select(2, 5);
  auto h_BLC = x_BLC + attn(layer_norm_no_affine(x_BLC) * (scale1 + 1) + shift1, ctx.attn_bias_11LL) * gamma1;
  if (cross_attn) h_BLC = h_BLC + cross_attn(ln_ca(h_BLC), ctx.text_BTc, ctx.text_bias_B11T);
  return h_BLC + ffn(layer_norm_no_affine(h_BLC) * (scale2 + 1) + shift2) * gamma2;
}

AdaLNBeforeHeadImpl::AdaLNBeforeHeadImpl(int64_t d) : dim(d) {
  ada_lin = register_module("ada_lin", torch::nn::Sequential(torch::nn::SiLU(), torch::nn::Linear(d, 2 * d)));
}

torch::Tensor AdaLNBeforeHeadImpl::forward(const torch::Tensor& x_BLC, const torch::Tensor& cond_BD) {
  auto ada_B12C = ada_lin->forward(cond_BD).view({-1, 1, 2, dim});
  return layer_norm_no_affine(x_BLC) * (ada_B12C.select(2, 0) + 1) + ada_B12C.select(2, 1);
}

}  // namespace varrl
