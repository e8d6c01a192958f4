// Hyper-parameters of the VAR policy (torch-free). Read from the `model:` section plus the tokenizer's schedule.
#pragma once
#include <string>
#include <vector>

#include "varrl/tokenizer/tokenizer_config.h"

namespace varrl {
class Config;

struct VarConfig {
  int depth = 4, width = 192, num_heads = 4;
  double mlp_ratio = 4.0;
  bool attn_l2_norm = true;
  enum class Cond { Text, Class };
  Cond cond = Cond::Text;
  int num_classes = 10;
  int text_max_len = 96, text_width = 128, text_layers = 2, text_heads = 4;
  bool cross_attn_quoted_only = false;  // model.cross_attn_text: all (false) | quoted (the quoted text, if any)
  double init_std = 0.02, init_adaln = 0.5, init_adaln_gamma = 1e-5;
  // From the tokenizer:
  std::vector<Scale> patch_nums;
  int vocab_size = 512, Cvae = 16;

  static VarConfig from_config(const Config& cfg);
  bool text_cond() const { return cond == Cond::Text; }
  int L() const;  // total tokens Σ h_t w_t
  int first_l() const { return patch_nums.at(0).area(); }
  // Start offset of scale si in the flattened sequence.
  int begin(int si) const;
};

}  // namespace varrl
