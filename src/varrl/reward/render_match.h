// render_match: a reward against the prompt's reference render. For the deterministic styles (render.style mono or
// plain: black on white at a fixed size and place) the corpus renderer draws every prompt's text in exactly one way,
// so an image can be compared with that drawing pixel by pixel, and a glyph that is *nearly* right — a blend of two
// letters — scores between them, where OCR only reads a letter as right or wrong.
//
//   ink(p) = 1 - luma(p) / 255, box-blurred twice with radius reward.render_match.blur (tolerance to small shifts);
//   reward = soft Dice of the image's and the reference's ink, 2 sum min(a, b) / (sum a + sum b), in [0, 1]
//
// (blank 0, the reference 1; missing ink and ink where the reference has none cost alike). Measured on the shipped
// model's samples (docs/rewards.md): within a prompt's samples it agrees with the OCR reward only loosely, and a
// 1-pixel shift costs it more than a wrong first letter.
#pragma once
#include <string>
#include <vector>

#include "varrl/data/render.h"
#include "varrl/reward/reward.h"

namespace varrl {

// The blurred ink map of an image (row-major, width * height), as the reward compares it.
std::vector<float> ink_map(const Image& img, int blur_radius);
// Soft Dice of two ink maps of the same size (1 when both are empty).
double soft_dice(const std::vector<float>& a, const std::vector<float>& b);

class RenderMatchReward : public RewardFn {
 public:
  RenderMatchReward(RenderOptions opts, int blur_radius);
  // data.image_width/height, render.* (render.style must be mono or plain) and reward.render_match.blur.
  static std::unique_ptr<RenderMatchReward> from_config(const Config& cfg);
  std::string name() const override { return "render_match"; }
  std::vector<RewardResult> score(const std::vector<Image>& images, const std::vector<PromptRecord>& prompts) override;

 private:
  RenderOptions opts_;
  int blur_;
};

}  // namespace varrl
