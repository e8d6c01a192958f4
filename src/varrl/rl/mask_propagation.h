// MP — mask propagation. The reward's attribution boxes (e.g. OCR word boxes) are rasterised onto the final token
// grid, then propagated backward through the multi-scale hierarchy, finer → coarser: a coarse token is live where
// the finer positions it feeds are live (max pooling; or area pooling for a soft mask, optionally thresholded).
// The mask gates each token's loss term. `normalize: scale` rescales each scale's mask to mean 1 where any token is
// live (a scale keeps its share of the loss); `none` leaves it 0/1 (a scale's share falls with its live fraction).
// No boxes → all ones. Scope: one mask per image from its own boxes, or the union over the prompt's group.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

#include "varrl/data/prompt_record.h"
#include "varrl/tokenizer/tokenizer_config.h"

namespace varrl {
class Config;

enum class MaskPool { Max, Area };
enum class MaskScope { Group, Sample };
enum class MaskNorm { Scale, None };

struct MaskOptions {
  MaskPool pool = MaskPool::Max;
  bool binary = true;
  MaskScope scope = MaskScope::Group;
  MaskNorm normalize = MaskNorm::Scale;
  static MaskOptions from_config(const Config& cfg);  // rl.mp.*
};

// Final-grid mask h_T × w_T: fraction of each token cell covered by any box (binary: > 0 → 1).
torch::Tensor rasterize_boxes(const std::vector<Box>& boxes, int image_h, int image_w, const Scale& grid, bool binary);
// Masks for every scale (coarse → fine), each h_t × w_t, from the final-grid mask.
std::vector<torch::Tensor> propagate_mask(const torch::Tensor& final_hw, const std::vector<Scale>& patch_nums,
                                          const MaskOptions& opt);
// Flattened per-token weights (length L); with MaskNorm::Scale each scale is normalised to mean 1 where any is live.
torch::Tensor mask_token_weights(const std::vector<torch::Tensor>& masks, MaskNorm normalize = MaskNorm::Scale);
// All of the above from boxes; all ones when `boxes` is empty.
torch::Tensor mp_token_weights(const std::vector<Box>& boxes, int image_h, int image_w,
                               const std::vector<Scale>& patch_nums, const MaskOptions& opt,
                               std::vector<double>* live_fraction_S = nullptr);

// The weights of a step's images (boxes_B[i]: image i's boxes; G images per prompt, in order). A prefix shared by K
// consecutive images (VMR) takes the union (max) of their masks on its tokens [0, prefix_end).
struct MpWeights {
  torch::Tensor w_BL;
  std::vector<double> live_S;  // mean live fraction per scale
  double no_boxes = 0;         // fraction of images whose reward gave no boxes
};
MpWeights mp_batch_weights(const std::vector<std::vector<Box>>& boxes_B, int group_size, int K, int64_t prefix_end,
                           int image_h, int image_w, const std::vector<Scale>& patch_nums, const MaskOptions& opt);

}  // namespace varrl
