#include "varrl/model/var_config.h"

#include "varrl/core/config.h"
#include "varrl/core/error.h"

namespace varrl {

VarConfig VarConfig::from_config(const Config& cfg) {
  VarConfig v;
  v.depth = cfg.get<int>("model.depth");
  v.width = cfg.get<int>("model.width");
  v.num_heads = cfg.get<int>("model.num_heads");
  v.mlp_ratio = cfg.get<double>("model.mlp_ratio");
  v.attn_l2_norm = cfg.get<bool>("model.attn_l2_norm");
  v.cond = cfg.get<std::string>("model.cond");
  v.num_classes = cfg.get<int>("model.num_classes");
  v.text_max_len = cfg.get<int>("model.text_max_len");
  v.text_width = cfg.get<int>("model.text_width");
  v.text_layers = cfg.get<int>("model.text_layers");
  v.text_heads = cfg.get<int>("model.text_heads");
  v.cross_attn_text = cfg.get<std::string>("model.cross_attn_text");
  v.quote_pos_outside = cfg.get<std::string>("model.quote_pos_outside");
  v.layout_bias = cfg.get<bool>("model.layout_bias");
  v.layout_bias_gain = cfg.get<double>("model.layout_bias_gain");
  v.init_std = cfg.get<double>("model.init_std");
  v.init_adaln = cfg.get<double>("model.init_adaln");
  v.init_adaln_gamma = cfg.get<double>("model.init_adaln_gamma");
  auto tok = TokenizerConfig::from_config(cfg);
  v.patch_nums = tok.patch_nums;
  v.vocab_size = tok.vocab_size;
  v.Cvae = tok.Cvae;
  if (v.cond != "text" && v.cond != "class") throw Error("model.cond must be 'text' or 'class', got '" + v.cond + "'");
  if (v.cross_attn_text != "all" && v.cross_attn_text != "quoted")
    throw Error("model.cross_attn_text must be 'all' or 'quoted', got '" + v.cross_attn_text + "'");
  if (v.quote_pos_outside != "shared" && v.quote_pos_outside != "own")
    throw Error("model.quote_pos_outside must be 'shared' or 'own', got '" + v.quote_pos_outside + "'");
  if (v.layout_bias && v.cond != "text") throw Error("model.layout_bias needs model.cond=text");
  if (!(v.layout_bias_gain > 0)) throw Error("model.layout_bias_gain must be > 0");
  if (v.width % v.num_heads) throw Error("model.width must be divisible by model.num_heads");
  if (v.text_width % v.text_heads) throw Error("model.text_width must be divisible by model.text_heads");
  return v;
}

int VarConfig::L() const { return tokens_before(patch_nums); }

int VarConfig::begin(int si) const { return tokens_before(patch_nums, si); }

}  // namespace varrl
