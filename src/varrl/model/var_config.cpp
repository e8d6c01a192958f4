#include "varrl/model/var_config.h"

#include "varrl/core/choice.h"
#include "varrl/core/error.h"

namespace varrl {

VarConfig VarConfig::from_config(const Config& cfg) {
  VarConfig v;
  v.depth = cfg.get<int>("model.depth");
  v.width = cfg.get<int>("model.width");
  v.num_heads = cfg.get<int>("model.num_heads");
  v.mlp_ratio = cfg.get<double>("model.mlp_ratio");
  v.attn_l2_norm = cfg.get<bool>("model.attn_l2_norm");
  v.cond = choice<VarConfig::Cond>(cfg, "model.cond", {{"text", Cond::Text}, {"class", Cond::Class}});
  v.num_classes = cfg.get<int>("model.num_classes");
  v.text_max_len = cfg.get<int>("model.text_max_len");
  v.text_width = cfg.get<int>("model.text_width");
  v.text_layers = cfg.get<int>("model.text_layers");
  v.text_heads = cfg.get<int>("model.text_heads");
  v.cross_attn_quoted_only = choice<bool>(cfg, "model.cross_attn_text", {{"all", false}, {"quoted", true}});
  v.init_std = cfg.get<double>("model.init_std");
  v.init_adaln = cfg.get<double>("model.init_adaln");
  v.init_adaln_gamma = cfg.get<double>("model.init_adaln_gamma");
  auto tok = TokenizerConfig::from_config(cfg);
  v.patch_nums = tok.patch_nums;
  v.vocab_size = tok.vocab_size;
  v.Cvae = tok.Cvae;
  if (v.width % v.num_heads) throw Error("model.width must be divisible by model.num_heads");
  if (v.text_width % v.text_heads) throw Error("model.text_width must be divisible by model.text_heads");
  return v;
}

int VarConfig::L() const { return tokens_before(patch_nums); }

int VarConfig::begin(int si) const { return tokens_before(patch_nums, si); }

}  // namespace varrl
