#include "varrl/model/var_model.h"

#include "varrl/core/error.h"
#include "varrl/model/class_prompts.h"

namespace varrl {

namespace F = torch::nn::functional;

Condition Condition::index(const torch::Tensor& rows) const {
  Condition c;
  c.cond_BD = cond_BD.index_select(0, rows);
  c.sos_BD = sos_BD.index_select(0, rows);
  if (text_BTc.defined()) {
    c.text_BTc = text_BTc.index_select(0, rows);
    c.text_bias_B11T = text_bias_B11T.index_select(0, rows);
  }
  return c;
}

Condition Condition::cat(const Condition& a, const Condition& b) {
  Condition c;
  c.cond_BD = torch::cat({a.cond_BD, b.cond_BD});
  c.sos_BD = torch::cat({a.sos_BD, b.sos_BD});
  if (a.text_BTc.defined()) {
    const auto T = std::max(a.text_BTc.size(1), b.text_BTc.size(1));
    auto pad_text = [T](const torch::Tensor& t) { return F::pad(t, F::PadFuncOptions({0, 0, 0, T - t.size(1)})); };
    auto pad_bias = [T](const torch::Tensor& t) {
      return F::pad(t, F::PadFuncOptions({0, T - t.size(3)}).value(-std::numeric_limits<double>::infinity()));
    };
    c.text_BTc = torch::cat({pad_text(a.text_BTc), pad_text(b.text_BTc)});
    c.text_bias_B11T = torch::cat({pad_bias(a.text_bias_B11T), pad_bias(b.text_bias_B11T)});
  }
  return c;
}

VARImpl::VARImpl(const VarConfig& c) : cfg(c) {
  const int64_t D = cfg.width, SN = static_cast<int64_t>(cfg.patch_nums.size()), L = cfg.L();
  word_embed = register_module("word_embed", torch::nn::Linear(cfg.Cvae, D));
  if (cfg.text_cond()) {
    text_encoder = register_module(
        "text_encoder", TextEncoder(cfg.text_width, cfg.text_layers, cfg.text_heads, cfg.text_max_len));
    text_proj = register_module("text_proj", torch::nn::Linear(cfg.text_width, D));
    null_cond_1D = register_parameter("null_cond", torch::zeros({1, D}));
    null_text_11c = register_parameter("null_text", torch::zeros({1, 1, cfg.text_width}));
  } else {
    class_emb = register_module("class_emb", torch::nn::Embedding(cfg.num_classes + 1, D));
  }
  pos_start = register_parameter("pos_start", torch::zeros({1, cfg.first_l(), D}));
  pos_1LC = register_parameter("pos_1LC", torch::zeros({1, L, D}));
  lvl_embed = register_module("lvl_embed", torch::nn::Embedding(SN, D));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int i = 0; i < cfg.depth; ++i)
    blocks->push_back(AdaLNSelfAttn(D, cfg.num_heads, cfg.mlp_ratio, cfg.attn_l2_norm,
                                    cfg.text_cond() ? cfg.text_width : 0));
  head_nm = register_module("head_nm", AdaLNBeforeHead(D));
  head = register_module("head", torch::nn::Linear(D, cfg.vocab_size));

  // Level of every position, and the block-causal mask: a token sees its own and all earlier scales.
  std::vector<int64_t> lvl;
  for (int64_t si = 0; si < SN; ++si)
    for (int j = 0; j < cfg.patch_nums[si].area(); ++j) lvl.push_back(si);
  auto d_L = torch::tensor(lvl, torch::kLong);
  lvl_1L = register_buffer("lvl_1L", d_L.view({1, L}));
  auto allowed_LL = d_L.view({L, 1}) >= d_L.view({1, L});
  attn_bias_for_masking = register_buffer(
      "attn_bias_for_masking",
      torch::zeros({L, L}).masked_fill(~allowed_LL, -std::numeric_limits<float>::infinity()).view({1, 1, L, L}));
  init_weights();
}

void VARImpl::init_weights() {
  torch::NoGradGuard ng;
  const double std = cfg.init_std;
  for (auto& m : modules(false)) {
    if (auto* lin = m->as<torch::nn::LinearImpl>()) {
      lin->weight.normal_(0, std).clamp_(-2 * std, 2 * std);
      if (lin->bias.defined()) lin->bias.zero_();
    } else if (auto* emb = m->as<torch::nn::EmbeddingImpl>()) {
      emb->weight.normal_(0, std).clamp_(-2 * std, 2 * std);
    }
  }
  pos_start.normal_(0, std).clamp_(-2 * std, 2 * std);
  pos_1LC.normal_(0, std).clamp_(-2 * std, 2 * std);
  if (null_cond_1D.defined()) null_cond_1D.normal_(0, std);
  if (null_text_11c.defined()) null_text_11c.normal_(0, std);
  head->weight.mul_(0.02);
  auto head_ada = head_nm->ada_lin[1]->as<torch::nn::LinearImpl>();
  head_ada->weight.mul_(cfg.init_adaln);
  const int64_t C = cfg.width;
  const double depth_scale = std::sqrt(2.0 * cfg.depth);
  for (size_t i = 0; i < blocks->size(); ++i) {
    auto* b = blocks[i]->as<AdaLNSelfAttnImpl>();
    b->attn->proj->weight.div_(depth_scale);
    b->ffn->fc2->weight.div_(depth_scale);
    if (b->cross_attn) b->cross_attn->proj->weight.div_(depth_scale);
    auto* ada = b->ada_lin[1]->as<torch::nn::LinearImpl>();
    ada->weight.slice(0, 2 * C).mul_(cfg.init_adaln);
    ada->weight.slice(0, 0, 2 * C).mul_(cfg.init_adaln_gamma);
  }
}

Condition VARImpl::null_condition(int64_t B) {
  Condition c;
  if (cfg.text_cond()) {
    c.cond_BD = c.sos_BD = null_cond_1D.expand({B, cfg.width});
    c.text_BTc = null_text_11c.expand({B, 1, cfg.text_width});
    c.text_bias_B11T = torch::zeros({B, 1, 1, 1}, null_cond_1D.options());
  } else {
    auto label = torch::full({B}, cfg.num_classes, torch::TensorOptions().dtype(torch::kLong).device(pos_1LC.device()));
    c.cond_BD = c.sos_BD = class_emb(label);
  }
  return c;
}

Condition VARImpl::encode_prompts(const std::vector<std::string>& prompts, const torch::Tensor& drop_B) {
  if (!cfg.text_cond()) return encode_labels(parse_class_prompts(prompts, cfg.num_classes), drop_B);  // "207"
  auto tok = tokenize_prompts(prompts, cfg.text_max_len);
  const auto dev = pos_1LC.device();
  tok.ids_BT = tok.ids_BT.to(dev), tok.segment_BT = tok.segment_BT.to(dev);
  tok.quote_pos_BT = tok.quote_pos_BT.to(dev), tok.pad_BT = tok.pad_BT.to(dev);
  auto [text_BTc, pooled_Bc] = text_encoder(tok);
  Condition c;
  c.cond_BD = c.sos_BD = text_proj(pooled_Bc);
  c.text_BTc = text_BTc;
  auto hidden_BT = tok.pad_BT;
  if (cfg.cross_attn_quoted_only) {  // hide the template around the quotes (rows that quote nothing keep all)
    auto quoted_BT = tok.segment_BT == 1;
    hidden_BT = hidden_BT | (quoted_BT.any(1, /*keepdim=*/true) & ~quoted_BT);
  }
  c.text_bias_B11T = padding_bias(hidden_BT, text_BTc.scalar_type());
  if (drop_B.defined() && drop_B.any().item<bool>()) {
    const int64_t B = c.batch(), T = text_BTc.size(1);
    auto drop = drop_B.to(dev);
    Condition n = null_condition(B);
    auto null_text = F::pad(n.text_BTc, F::PadFuncOptions({0, 0, 0, T - 1}));
    auto null_bias =
        F::pad(n.text_bias_B11T, F::PadFuncOptions({0, T - 1}).value(-std::numeric_limits<double>::infinity()));
    c.cond_BD = c.sos_BD = torch::where(drop.view({B, 1}), n.cond_BD, c.cond_BD);
    c.text_BTc = torch::where(drop.view({B, 1, 1}), null_text, c.text_BTc);
    c.text_bias_B11T = torch::where(drop.view({B, 1, 1, 1}), null_bias, c.text_bias_B11T);
  }
  return c;
}

Condition VARImpl::encode_labels(const torch::Tensor& label_B, const torch::Tensor& drop_B) {
  if (cfg.text_cond()) throw Error("this model is text-conditional (model.cond=text): it takes prompts, not labels");
  auto label = label_B.to(pos_1LC.device());
  if (drop_B.defined())
    label = torch::where(drop_B.to(label.device()), torch::full_like(label, cfg.num_classes), label);
  Condition c;
  c.cond_BD = c.sos_BD = class_emb(label);
  return c;
}

torch::Tensor VARImpl::run_blocks(torch::Tensor x_BLC, const Condition& c, const torch::Tensor& attn_bias_11LL) {
  BlockContext ctx{c.cond_BD, attn_bias_11LL, c.text_BTc, c.text_bias_B11T};
  for (size_t i = 0; i < blocks->size(); ++i) x_BLC = blocks[i]->as<AdaLNSelfAttnImpl>()->forward(x_BLC, ctx);
  return head(head_nm(x_BLC, c.cond_BD));
}

torch::Tensor VARImpl::forward(const Condition& c, const torch::Tensor& x_BLCv) {
  const int64_t B = c.batch(), D = cfg.width, first_l = cfg.first_l();
  auto sos_BlC = c.sos_BD.unsqueeze(1).expand({B, first_l, D}) + pos_start.expand({B, first_l, D});
  auto x_BLC = x_BLCv.size(1) > 0 ? torch::cat({sos_BlC, word_embed(x_BLCv)}, 1) : sos_BlC;
  const int64_t L = x_BLC.size(1);
  x_BLC = x_BLC + lvl_embed(lvl_1L.slice(1, 0, L)) + pos_1LC.slice(1, 0, L);
  auto bias = attn_bias_for_masking.slice(2, 0, L).slice(3, 0, L).to(x_BLC.scalar_type());
  return run_blocks(x_BLC, c, bias);
}

torch::Tensor VARImpl::forward_scale(const Condition& c, int si, const torch::Tensor& next_input) {
  const int64_t B = c.batch(), D = cfg.width;
  const int64_t begin = cfg.begin(si), l = cfg.patch_nums[si].area();
  torch::Tensor x_BlC;
  if (si == 0)
    x_BlC = c.sos_BD.unsqueeze(1).expand({B, l, D}) + pos_start.expand({B, l, D});
  else
    x_BlC = word_embed(next_input.flatten(2).transpose(1, 2));
  x_BlC = x_BlC + lvl_embed(lvl_1L.slice(1, begin, begin + l)) + pos_1LC.slice(1, begin, begin + l);
  return run_blocks(x_BlC, c, torch::Tensor());
}

void VARImpl::enable_kv_cache(bool on) {
  for (size_t i = 0; i < blocks->size(); ++i) blocks[i]->as<AdaLNSelfAttnImpl>()->attn->enable_kv_cache(on);
}

torch::Tensor token_log_probs(const torch::Tensor& logits_BLV, const torch::Tensor& idx_BL) {
  return torch::log_softmax(logits_BLV, -1).gather(-1, idx_BL.unsqueeze(-1)).squeeze(-1);
}

}  // namespace varrl
