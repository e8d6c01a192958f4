#include "varrl/tokenizer/vqvae.h"

namespace varrl {

VQVAEImpl::VQVAEImpl(const TokenizerConfig& c) : cfg(c) {
  cfg.validate();
  encoder = register_module("encoder", Encoder(cfg));
  decoder = register_module("decoder", Decoder(cfg));
  quantize = register_module("quantize", MultiScaleQuantizer(cfg));
  quant_conv =
      register_module("quant_conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(cfg.Cvae, cfg.Cvae, 3).padding(1)));
  post_quant_conv =
      register_module("post_quant_conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(cfg.Cvae, cfg.Cvae, 3).padding(1)));
}

VQVAEOutput VQVAEImpl::forward(const torch::Tensor& img) {
  auto q = quantize(quant_conv(encoder(img)));
  return {decoder(post_quant_conv(q.f_hat_BChw)), q.vq_loss, q.idx_Bl};
}

std::vector<torch::Tensor> VQVAEImpl::img_to_idxBl(const torch::Tensor& img) {
  torch::NoGradGuard ng;
  return quantize->f_to_idxBl(quant_conv(encoder(img)));
}

torch::Tensor VQVAEImpl::fhat_to_img(const torch::Tensor& f_hat) {
  return decoder(post_quant_conv(f_hat)).clamp(-1, 1);
}

torch::Tensor VQVAEImpl::idxBl_to_img(const std::vector<torch::Tensor>& idx_Bl) {
  return fhat_to_img(quantize->idxBl_to_fhat(idx_Bl));
}

}  // namespace varrl
