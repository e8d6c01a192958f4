// The tokenizer: image → encoder → quant_conv → multi-scale quantiser → post_quant_conv → decoder → image.
// Module names follow VAR's VQVAE state_dict (`encoder.*`, `decoder.*`, `quantize.*`, `quant_conv`, `post_quant_conv`).
#pragma once
#include <torch/torch.h>

#include "varrl/tokenizer/encoder_decoder.h"
#include "varrl/tokenizer/quantizer.h"

namespace varrl {

struct VQVAEOutput {
  torch::Tensor rec_B3HW;  // reconstruction in [-1, 1] (unclamped during training)
  torch::Tensor vq_loss;
  std::vector<torch::Tensor> idx_Bl;
};

struct VQVAEImpl : torch::nn::Module {
  explicit VQVAEImpl(const TokenizerConfig& cfg);
  VQVAEOutput forward(const torch::Tensor& img_B3HW);             // training pass
  std::vector<torch::Tensor> img_to_idxBl(const torch::Tensor& img_B3HW);
  torch::Tensor fhat_to_img(const torch::Tensor& f_hat_BChw);     // clamped to [-1, 1]
  torch::Tensor idxBl_to_img(const std::vector<torch::Tensor>& idx_Bl);

  TokenizerConfig cfg;
  Encoder encoder{nullptr};
  Decoder decoder{nullptr};
  torch::nn::Conv2d quant_conv{nullptr}, post_quant_conv{nullptr};
  MultiScaleQuantizer quantize{nullptr};
};
TORCH_MODULE(VQVAE);

}  // namespace varrl
