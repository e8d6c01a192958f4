// MP — mask propagation. The reward's attribution boxes (e.g. OCR word boxes) are rasterised onto the final token
// grid, then propagated backward through the multi-scale hierarchy, finer → coarser: a coarse token is live where
// the finer positions it feeds are live (max pooling; or area pooling for a soft mask, optionally thresholded).
// Each token's loss terms are weighted by its scale's mask normalised per scale (mean 1 over the scale when any token
// is live). No boxes → all ones.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

#include "varrl/data/prompt_record.h"
#include "varrl/tokenizer/tokenizer_config.h"

namespace varrl {

struct MaskOptions {
  std::string pool = "max";  // max | area
  bool binary = true;
};

// Final-grid mask h_T × w_T: fraction of each token cell covered by any box (binary: > 0 → 1).
torch::Tensor rasterize_boxes(const std::vector<Box>& boxes, int image_h, int image_w, const Scale& grid, bool binary);
// Masks for every scale (coarse → fine), each h_t × w_t, from the final-grid mask.
std::vector<torch::Tensor> propagate_mask(const torch::Tensor& final_hw, const std::vector<Scale>& patch_nums,
                                          const MaskOptions& opt);
// Flattened per-token weights (length L), each scale normalised to mean 1 where any token is live.
torch::Tensor mask_token_weights(const std::vector<torch::Tensor>& masks);
// All of the above from boxes; all ones when `boxes` is empty.
torch::Tensor mp_token_weights(const std::vector<Box>& boxes, int image_h, int image_w,
                               const std::vector<Scale>& patch_nums, const MaskOptions& opt,
                               std::vector<double>* live_fraction_S = nullptr);

}  // namespace varrl
