#include "varrl/model/text_encoder.h"

#include "varrl/model/attention.h"

namespace varrl {

TextTokens tokenize_prompts(const std::vector<std::string>& prompts, int max_len) {
  const int64_t outside = 0, last_quoted = TextEncoderImpl::kMaxQuotePos - 1;
  const int64_t B = static_cast<int64_t>(prompts.size());
  int64_t T = 1;
  for (auto& p : prompts) T = std::max<int64_t>(T, std::min<int64_t>(max_len, static_cast<int64_t>(p.size())));
  TextTokens t;
  t.ids_BT = torch::zeros({B, T}, torch::kLong);
  t.segment_BT = torch::zeros({B, T}, torch::kLong);
  t.quote_pos_BT = torch::full({B, T}, outside, torch::kLong);  // outside quotes (and padding), overwritten inside
  auto ids = t.ids_BT.accessor<int64_t, 2>();
  auto seg = t.segment_BT.accessor<int64_t, 2>();
  auto qp = t.quote_pos_BT.accessor<int64_t, 2>();
  for (int64_t b = 0; b < B; ++b) {
    bool inside = false;
    int64_t pos = 0;
    const std::string& p = prompts[b];
    ids[b][0] = 32;  // an empty prompt still has one real (space) token, so attention never sees only padding
    for (int64_t i = 0; i < std::min<int64_t>(T, static_cast<int64_t>(p.size())); ++i) {
      uint8_t c = static_cast<uint8_t>(p[i]);
      ids[b][i] = c == 0 ? 32 : c;
      if (c == '"') {
        inside = !inside;
        pos = 0;
        continue;
      }
      if (inside) {
        seg[b][i] = 1;
        qp[b][i] = std::min<int64_t>(pos++, last_quoted);
      }
    }
  }
  t.pad_BT = t.ids_BT == 0;
  return t;
}

torch::Tensor padding_bias(const torch::Tensor& pad_BT, torch::ScalarType dtype) {
  auto bias = torch::zeros(pad_BT.sizes(), torch::TensorOptions().dtype(dtype).device(pad_BT.device()));
  bias.masked_fill_(pad_BT, -std::numeric_limits<double>::infinity());
  return bias.unsqueeze(1).unsqueeze(1);
}

TextLayerImpl::TextLayerImpl(int64_t d, int64_t h) : dim(d), heads(h) {
  ln1 = register_module("ln1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
  qkv = register_module("qkv", torch::nn::Linear(d, 3 * d));
  proj = register_module("proj", torch::nn::Linear(d, d));
  ln2 = register_module("ln2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
  fc1 = register_module("fc1", torch::nn::Linear(d, 4 * d));
  fc2 = register_module("fc2", torch::nn::Linear(4 * d, d));
}

torch::Tensor TextLayerImpl::forward(const torch::Tensor& x_BTc, const torch::Tensor& bias_B11T) {
  const auto B = x_BTc.size(0), T = x_BTc.size(1), c = dim / heads;
  auto qkv_3BHTc = qkv(ln1(x_BTc)).view({B, T, 3, heads, c}).permute({2, 0, 3, 1, 4});
  auto a_BHTc = attention(qkv_3BHTc[0], qkv_3BHTc[1], qkv_3BHTc[2], 1.0 / std::sqrt(static_cast<double>(c)), bias_B11T);
  auto h_BTc = x_BTc + proj(a_BHTc.transpose(1, 2).reshape({B, T, dim}));
  return h_BTc + fc2(torch::gelu(fc1(ln2(h_BTc)), "tanh"));
}

TextEncoderImpl::TextEncoderImpl(int64_t d, int64_t n_layers, int64_t h, int64_t max_len) {
  byte_embed = register_module("byte_embed", torch::nn::Embedding(256, d));
  pos_embed = register_module("pos_embed", torch::nn::Embedding(max_len, d));
  segment_embed = register_module("segment_embed", torch::nn::Embedding(2, d));
  quote_pos_embed = register_module("quote_pos_embed", torch::nn::Embedding(kMaxQuotePos, d));
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < n_layers; ++i) layers->push_back(TextLayer(d, h));
  ln_out = register_module("ln_out", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
}


std::pair<torch::Tensor, torch::Tensor> TextEncoderImpl::forward(const TextTokens& tok) {
  const auto T = tok.ids_BT.size(1);
  auto pos_T = torch::arange(T, tok.ids_BT.options());
  auto x_BTc = byte_embed(tok.ids_BT) + pos_embed(pos_T).unsqueeze(0) + segment_embed(tok.segment_BT) +
               quote_pos_embed(tok.quote_pos_BT);
  auto bias_B11T = padding_bias(tok.pad_BT, x_BTc.scalar_type());
  for (size_t i = 0; i < layers->size(); ++i) x_BTc = layers[i]->as<TextLayerImpl>()->forward(x_BTc, bias_B11T);
  x_BTc = ln_out(x_BTc);
  // Pooled over the quoted text when the prompt quotes any (else over the whole prompt): the SOS token and the
  // AdaLN condition then carry the words to render, not mostly the template around them.
  auto valid_BT = ~tok.pad_BT, quoted_BT = valid_BT & (tok.segment_BT == 1);
  auto keep_BT1 =
      torch::where(quoted_BT.any(1, /*keepdim=*/true), quoted_BT, valid_BT).unsqueeze(-1).to(x_BTc.scalar_type());
  auto pooled_Bc = (x_BTc * keep_BT1).sum(1) / keep_BT1.sum(1).clamp_min(1.0);
  return {x_BTc, pooled_Bc};
}

}  // namespace varrl
