// Per-scale views of a flattened token sequence: scale si's tokens are [begin, end) of the L = Σ h_t w_t positions.
#pragma once
#include <torch/torch.h>

#include <vector>

#include "varrl/tokenizer/tokenizer_config.h"

namespace varrl {

struct ScaleSpan {
  int si;
  int64_t begin, end;
  int64_t size() const { return end - begin; }
};
// One span per scale, coarse to fine.
std::vector<ScaleSpan> scale_spans(const std::vector<Scale>& patch_nums);

// Concatenates per-scale tokens B × l_t into B × L, and back.
torch::Tensor cat_scales(const std::vector<torch::Tensor>& idx_Bl);
std::vector<torch::Tensor> split_scales(const torch::Tensor& idx_BL, const std::vector<Scale>& patch_nums);

}  // namespace varrl
