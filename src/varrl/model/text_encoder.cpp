#include "varrl/model/text_encoder.h"

#include "varrl/model/attention.h"

namespace varrl {

TextTokens tokenize_prompts(const std::vector<std::string>& prompts, int max_len, bool own_outside_index) {
  const int64_t outside = own_outside_index ? TextEncoderImpl::kMaxQuotePos - 1 : 0;
  const int64_t last_quoted = TextEncoderImpl::kMaxQuotePos - (own_outside_index ? 2 : 1);
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

torch::Tensor TextLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& bias) {
  const auto B = x.size(0), T = x.size(1), c = dim / heads;
  auto q_kv = qkv(ln1(x)).view({B, T, 3, heads, c}).permute({2, 0, 3, 1, 4});
  auto a = attention(q_kv[0], q_kv[1], q_kv[2], 1.0 / std::sqrt(static_cast<double>(c)), bias);
  auto h = x + proj(a.transpose(1, 2).reshape({B, T, dim}));
  return h + fc2(torch::gelu(fc1(ln2(h)), "tanh"));
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

void TextEncoderImpl::copy_shared_outside_row() {
  torch::NoGradGuard ng;
  quote_pos_embed->weight[kMaxQuotePos - 1].copy_(quote_pos_embed->weight[0]);
}

std::pair<torch::Tensor, torch::Tensor> TextEncoderImpl::forward(const TextTokens& tok) {
  const auto T = tok.ids_BT.size(1);
  auto pos = torch::arange(T, tok.ids_BT.options());
  auto x = byte_embed(tok.ids_BT) + pos_embed(pos).unsqueeze(0) + segment_embed(tok.segment_BT) +
           quote_pos_embed(tok.quote_pos_BT);
  auto bias = padding_bias(tok.pad_BT, x.scalar_type());
  for (size_t i = 0; i < layers->size(); ++i) x = layers[i]->as<TextLayerImpl>()->forward(x, bias);
  x = ln_out(x);
  // Pooled over the quoted text when the prompt quotes any (else over the whole prompt): the SOS token and the
  // AdaLN condition then carry the words to render, not mostly the template around them.
  auto valid_BT = ~tok.pad_BT, quoted_BT = valid_BT & (tok.segment_BT == 1);
  auto keep = torch::where(quoted_BT.any(1, /*keepdim=*/true), quoted_BT, valid_BT).unsqueeze(-1).to(x.scalar_type());
  auto pooled = (x * keep).sum(1) / keep.sum(1).clamp_min(1.0);
  return {x, pooled};
}

}  // namespace varrl
