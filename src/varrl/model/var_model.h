// The VAR policy π_θ: next-scale prediction over the tokenizer's multi-scale token grids (FoundationVision/VAR's
// `VAR`), conditioned on a class label (VAR-compatible) or on a prompt (byte-level text encoder: pooled output is the
// SOS token and AdaLN condition, states feed cross-attention). Parameter names follow VAR's state_dict.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

#include "varrl/model/block.h"
#include "varrl/model/text_encoder.h"
#include "varrl/model/var_config.h"

namespace varrl {

// Everything a forward needs about the condition, per sample.
struct Condition {
  torch::Tensor cond_BD;         // AdaLN condition
  torch::Tensor sos_BD;          // start-of-sequence content
  torch::Tensor text_BTc;        // text states (undefined in class mode)
  torch::Tensor text_bias_B11T;  // 0 / -inf padding bias of the text
  int64_t batch() const { return cond_BD.size(0); }
  Condition index(const torch::Tensor& rows) const;              // gather rows (e.g. repeat per group)
  static Condition cat(const Condition& a, const Condition& b);  // stack batches (text padded to the same length)
};

struct VARImpl : torch::nn::Module {
  explicit VARImpl(const VarConfig& cfg);

  // Conditions. `drop_B` (bool, optional) replaces rows by the learned null condition (CFG training). A class model
  // (model.cond=class) reads each prompt as a class id ("207", class_prompts.h).
  Condition encode_prompts(const std::vector<std::string>& prompts, const torch::Tensor& drop_B = {});
  Condition encode_labels(const torch::Tensor& label_B, const torch::Tensor& drop_B = {});
  Condition null_condition(int64_t B);

  // Teacher-forced forward: x_BLCv_wo_first_l = tokenizer.idxBl_to_var_input(...) → logits B × L × V.
  torch::Tensor forward(const Condition& c, const torch::Tensor& x_BLCv_wo_first_l);

  // KV-cached forward of one scale: `prev_f_hat_BCvhw` is the tokenizer's next-scale input for scale si (ignored at
  // si == 0). Returns logits B × (h_si w_si) × V. Call enable_kv_cache(true) before scale 0.
  torch::Tensor forward_scale(const Condition& c, int si, const torch::Tensor& next_input_BCvhw);
  void enable_kv_cache(bool on);

  VarConfig cfg;
  torch::nn::Linear word_embed{nullptr}, text_proj{nullptr}, head{nullptr};
  torch::nn::Embedding class_emb{nullptr}, lvl_embed{nullptr};
  TextEncoder text_encoder{nullptr};
  torch::Tensor null_cond_1D, null_text_11c;  // learned null condition (text mode)
  torch::Tensor pos_start, pos_1LC;
  torch::nn::ModuleList blocks;
  AdaLNBeforeHead head_nm{nullptr};
  torch::Tensor lvl_1L, attn_bias_for_masking;  // buffers (as VAR)

 private:
  torch::Tensor run_blocks(torch::Tensor x_BLC, const Condition& c, const torch::Tensor& attn_bias);
  void init_weights();
};
TORCH_MODULE(VAR);

// log π(x_j) of the given tokens under logits: B × L.
torch::Tensor token_log_probs(const torch::Tensor& logits_BLV, const torch::Tensor& idx_BL);

}  // namespace varrl
