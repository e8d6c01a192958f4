// Byte-level text encoder (no external tokenizer; PLATFORM.md: sentencepiece clashes with LibTorch). Each prompt byte
// gets a byte embedding + position embedding + a segment embedding (inside / outside double quotes) + the byte's
// index within its quoted text — the quoted words are what the image must show, so the encoder marks them.
// A few pre-LN transformer layers follow; the mean of the quoted text's states (of all states when the prompt quotes
// nothing) is the pooled condition.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

namespace varrl {

struct TextTokens {
  torch::Tensor ids_BT;       // int64, byte value (1..255), 0 = padding
  torch::Tensor segment_BT;   // int64, 1 inside a quoted text, 0 elsewhere
  // int64, index of the byte within its quoted text (clamped); outside and padding: see below
  torch::Tensor quote_pos_BT;
  torch::Tensor pad_BT;       // bool, true at padding
};

// Tokenises prompts to at most `max_len` bytes (T = longest prompt, ≥ 1). Bytes outside quotes get quote position
// 0, the same as every quoted text's first letter (the segment embedding tells them apart).
TextTokens tokenize_prompts(const std::vector<std::string>& prompts, int max_len);

struct TextLayerImpl : torch::nn::Module {
  TextLayerImpl(int64_t dim, int64_t heads);
  torch::Tensor forward(const torch::Tensor& x_BTc, const torch::Tensor& bias_B11T);
  int64_t dim, heads;
  torch::nn::LayerNorm ln1{nullptr}, ln2{nullptr};
  torch::nn::Linear qkv{nullptr}, proj{nullptr}, fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(TextLayer);

struct TextEncoderImpl : torch::nn::Module {
  TextEncoderImpl(int64_t dim, int64_t layers, int64_t heads, int64_t max_len);
  // Returns text states B×T×c (padding rows are whatever; mask them with pad_BT) and the pooled B×c vector.
  std::pair<torch::Tensor, torch::Tensor> forward(const TextTokens& tok);

  static constexpr int64_t kMaxQuotePos = 32;
  torch::nn::Embedding byte_embed{nullptr}, pos_embed{nullptr}, segment_embed{nullptr}, quote_pos_embed{nullptr};
  torch::nn::ModuleList layers;
  torch::nn::LayerNorm ln_out{nullptr};
};
TORCH_MODULE(TextEncoder);

// 0 where real, -inf where padding, shaped B×1×1×T.
torch::Tensor padding_bias(const torch::Tensor& pad_BT, torch::ScalarType dtype);

}  // namespace varrl
