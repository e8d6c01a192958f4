#include "varrl/model/attention.h"

namespace varrl {

namespace F = torch::nn::functional;

torch::Tensor attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, double scale,
                        const torch::Tensor& bias) {
  auto s_BHLS = torch::matmul(q, k.transpose(-2, -1)) * scale;
  if (bias.defined()) s_BHLS = s_BHLS + bias;
  return torch::matmul(torch::softmax(s_BHLS, -1), v);
}

SelfAttentionImpl::SelfAttentionImpl(int64_t d, int64_t h, bool l2)
    : dim(d), heads(h), head_dim(d / h), l2_norm(l2) {
  mat_qkv = register_module("mat_qkv", torch::nn::Linear(torch::nn::LinearOptions(d, 3 * d).bias(false)));
  proj = register_module("proj", torch::nn::Linear(d, d));
  q_bias = register_parameter("q_bias", torch::zeros({d}));
  v_bias = register_parameter("v_bias", torch::zeros({d}));
  zero_k_bias = register_buffer("zero_k_bias", torch::zeros({d}));
  if (l2_norm) {
    scale = 1.0;
    scale_mul_1H11 = register_parameter("scale_mul_1H11", torch::full({1, h, 1, 1}, std::log(4.0)));
  } else {
    scale = 0.25 / std::sqrt(static_cast<double>(head_dim));
  }
}

void SelfAttentionImpl::enable_kv_cache(bool on) {
  caching = on;
  cached_k_BHLc = cached_v_BHLc = torch::Tensor();
}

torch::Tensor SelfAttentionImpl::forward(const torch::Tensor& x_BLC, const torch::Tensor& attn_bias) {
  const auto B = x_BLC.size(0), L = x_BLC.size(1);
  auto bias = torch::cat({q_bias, zero_k_bias, v_bias});
  auto qkv = F::linear(x_BLC, mat_qkv->weight, bias).view({B, L, 3, heads, head_dim}).permute({2, 0, 3, 1, 4});
  auto q = qkv[0], k = qkv[1], v = qkv[2];  // B H L c
  if (l2_norm) {
    auto scale_mul = scale_mul_1H11.clamp_max(std::log(100.0)).exp();
    q = F::normalize(q, F::NormalizeFuncOptions().dim(-1)) * scale_mul;
    k = F::normalize(k, F::NormalizeFuncOptions().dim(-1));
  }
  if (caching) {
    if (cached_k_BHLc.defined()) {
      k = torch::cat({cached_k_BHLc, k}, 2);
      v = torch::cat({cached_v_BHLc, v}, 2);
    }
    cached_k_BHLc = k;
    cached_v_BHLc = v;
  }
  auto out = attention(q, k, v, scale, attn_bias);  // B H L c
  return proj(out.transpose(1, 2).reshape({B, L, dim}));
}

CrossAttentionImpl::CrossAttentionImpl(int64_t d, int64_t text_dim, int64_t h) : dim(d), heads(h), head_dim(d / h) {
  mat_q = register_module("mat_q", torch::nn::Linear(d, d));
  mat_kv = register_module("mat_kv", torch::nn::Linear(text_dim, 2 * d));
  proj = register_module("proj", torch::nn::Linear(d, d));
}

torch::Tensor CrossAttentionImpl::forward(const torch::Tensor& x_BLC, const torch::Tensor& text_BTc,
                                          const torch::Tensor& text_bias_B11T) {
  const auto B = x_BLC.size(0), L = x_BLC.size(1), T = text_BTc.size(1);
  auto q = mat_q(x_BLC).view({B, L, heads, head_dim}).transpose(1, 2);
  auto kv = mat_kv(text_BTc).view({B, T, 2, heads, head_dim}).permute({2, 0, 3, 1, 4});
  auto out = attention(q, kv[0], kv[1], 1.0 / std::sqrt(static_cast<double>(head_dim)), text_bias_B11T);
  return proj(out.transpose(1, 2).reshape({B, L, dim}));
}

}  // namespace varrl
