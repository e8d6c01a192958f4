// Images ↔ tensors: B × 3 × H × W float in [-1, 1] (the tokenizer's convention).
#pragma once
#include <torch/torch.h>

#include <vector>

#include "varrl/core/image.h"

namespace varrl {

torch::Tensor images_to_tensor(const std::vector<Image>& images);  // all images must share one size
std::vector<Image> tensor_to_images(const torch::Tensor& img_B3HW);
// Loads the images listed in a prompts .jsonl (paths relative to the file); checks the size against (H, W).
std::vector<Image> load_prompt_images(const std::string& prompts_file, int height, int width, int limit = -1);

}  // namespace varrl
