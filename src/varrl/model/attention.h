// Attention layers of the VAR policy.
//   SelfAttention: VAR's (mat_qkv without bias + q_bias/v_bias, optional L2-normalised q/k with a learned per-head
//   scale `scale_mul_1H11`, block-causal bias), with a KV cache for scale-by-scale sampling.
//   CrossAttention: queries from the image tokens, keys/values from the text encoder's states.
#pragma once
#include <torch/torch.h>

namespace varrl {

// softmax(q kᵀ · scale + bias) v for q_BHLc, k_BHSc, v_BHSc; bias broadcastable to B,H,L,S (or undefined).
torch::Tensor attention(const torch::Tensor& q_BHLc, const torch::Tensor& k_BHSc, const torch::Tensor& v_BHSc,
                        double scale, const torch::Tensor& bias);

struct SelfAttentionImpl : torch::nn::Module {
  SelfAttentionImpl(int64_t dim, int64_t heads, bool l2_norm);
  torch::Tensor forward(const torch::Tensor& x_BLC, const torch::Tensor& attn_bias_11LL);
  void enable_kv_cache(bool on);

  int64_t dim, heads, head_dim;
  bool l2_norm;
  double scale;
  torch::nn::Linear mat_qkv{nullptr}, proj{nullptr};
  torch::Tensor q_bias, v_bias, zero_k_bias, scale_mul_1H11;
  bool caching = false;
  torch::Tensor cached_k_BHLc, cached_v_BHLc;
};
TORCH_MODULE(SelfAttention);

struct CrossAttentionImpl : torch::nn::Module {
  CrossAttentionImpl(int64_t dim, int64_t text_dim, int64_t heads);
  // text_bias_B11T: 0 for real text positions, -inf for padding.
  torch::Tensor forward(const torch::Tensor& x_BLC, const torch::Tensor& text_BTc, const torch::Tensor& text_bias_B11T);

  int64_t dim, heads, head_dim;
  torch::nn::Linear mat_q{nullptr}, mat_kv{nullptr}, proj{nullptr};
};
TORCH_MODULE(CrossAttention);

}  // namespace varrl
