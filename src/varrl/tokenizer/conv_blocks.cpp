#include "varrl/tokenizer/conv_blocks.h"

namespace varrl {

namespace F = torch::nn::functional;

torch::nn::GroupNorm make_group_norm(int64_t channels) {
  return torch::nn::GroupNorm(torch::nn::GroupNormOptions(32, channels).eps(1e-6).affine(true));
}

static torch::nn::Conv2d conv(int64_t in, int64_t out, int64_t k, int64_t stride = 1, int64_t pad = -1) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, k).stride(stride).padding(pad < 0 ? k / 2 : pad));
}

ResnetBlockImpl::ResnetBlockImpl(int64_t in_ch, int64_t out_ch) {
  norm1 = register_module("norm1", make_group_norm(in_ch));
  conv1 = register_module("conv1", conv(in_ch, out_ch, 3));
  norm2 = register_module("norm2", make_group_norm(out_ch));
  conv2 = register_module("conv2", conv(out_ch, out_ch, 3));
  if (in_ch != out_ch) nin_shortcut = register_module("nin_shortcut", conv(in_ch, out_ch, 1));
}

torch::Tensor ResnetBlockImpl::forward(const torch::Tensor& x) {
  auto h = conv1(F::silu(norm1(x)));
  h = conv2(F::silu(norm2(h)));
  return (nin_shortcut ? nin_shortcut(x) : x) + h;
}

AttnBlockImpl::AttnBlockImpl(int64_t ch) {
  norm = register_module("norm", make_group_norm(ch));
  qkv = register_module("qkv", conv(ch, 3 * ch, 1));
  proj_out = register_module("proj_out", conv(ch, ch, 1));
}

torch::Tensor AttnBlockImpl::forward(const torch::Tensor& x_BCHW) {
  const auto B = x_BCHW.size(0), C = x_BCHW.size(1), H = x_BCHW.size(2), W = x_BCHW.size(3);
  auto qkv_B3CL = qkv(norm(x_BCHW)).reshape({B, 3, C, H * W});
  auto q_BLC = qkv_B3CL.select(1, 0).transpose(1, 2);
  auto k_BCL = qkv_B3CL.select(1, 1);
  auto v_BCL = qkv_B3CL.select(1, 2);
  auto attn_BLL = torch::softmax(torch::bmm(q_BLC, k_BCL) * (1.0 / std::sqrt(static_cast<double>(C))), -1);
  auto out_BCL = torch::bmm(v_BCL, attn_BLL.transpose(1, 2));
  return x_BCHW + proj_out(out_BCL.reshape({B, C, H, W}));
}

Downsample2xImpl::Downsample2xImpl(int64_t ch) { conv = register_module("conv", varrl::conv(ch, ch, 3, 2, 0)); }

torch::Tensor Downsample2xImpl::forward(const torch::Tensor& x) {
  return conv(F::pad(x, F::PadFuncOptions({0, 1, 0, 1}).mode(torch::kConstant)));
}

Upsample2xImpl::Upsample2xImpl(int64_t ch) { conv = register_module("conv", varrl::conv(ch, ch, 3)); }

torch::Tensor Upsample2xImpl::forward(const torch::Tensor& x) {
  return conv(F::interpolate(
      x, F::InterpolateFuncOptions().scale_factor(std::vector<double>{2.0, 2.0}).mode(torch::kNearest)));
}

}  // namespace varrl
