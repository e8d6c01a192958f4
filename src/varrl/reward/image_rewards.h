// Cheap verifiable rewards computed from pixels alone, for RL tests and smoke runs:
//   brightness:     mean of (R + G + B) / 3 over all pixels, divided by 255 (in [0, 1]);
//   color_fraction: the fraction of pixels within Euclidean RGB distance `tolerance` of a target colour.
#pragma once
#include <array>

#include "varrl/reward/reward.h"

namespace varrl {

double mean_brightness(const Image& img);
double color_fraction(const Image& img, const std::array<int, 3>& rgb, double tolerance);

class BrightnessReward : public RewardFn {
 public:
  std::string name() const override { return "brightness"; }
  std::vector<RewardResult> score(const std::vector<Image>& images, const std::vector<PromptRecord>& prompts) override;
};

class ColorFractionReward : public RewardFn {
 public:
  ColorFractionReward(std::array<int, 3> rgb, double tolerance) : rgb_(rgb), tolerance_(tolerance) {}
  // reward.color_fraction.{color, tolerance}
  static std::unique_ptr<ColorFractionReward> from_config(const Config& cfg);
  std::string name() const override { return "color_fraction"; }
  std::vector<RewardResult> score(const std::vector<Image>& images, const std::vector<PromptRecord>& prompts) override;

 private:
  std::array<int, 3> rgb_;
  double tolerance_;
};

}  // namespace varrl
