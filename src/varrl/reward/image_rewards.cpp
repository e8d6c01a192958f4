#include "varrl/reward/image_rewards.h"

#include "varrl/core/error.h"

namespace varrl {

double mean_brightness(const Image& img) {
  if (img.rgb.empty()) return 0.0;
  double sum = 0;
  for (uint8_t v : img.rgb) sum += v;
  return sum / (255.0 * static_cast<double>(img.rgb.size()));
}

double color_fraction(const Image& img, const std::array<int, 3>& rgb, double tolerance) {
  const size_t n = static_cast<size_t>(img.width) * img.height;
  if (n == 0) return 0.0;
  const double tol2 = tolerance * tolerance;
  size_t hits = 0;
  for (size_t i = 0; i < n; ++i) {
    double d2 = 0;
    for (int c = 0; c < 3; ++c) {
      const double d = static_cast<double>(img.rgb[i * 3 + static_cast<size_t>(c)]) - rgb[static_cast<size_t>(c)];
      d2 += d * d;
    }
    hits += d2 <= tol2;
  }
  return static_cast<double>(hits) / static_cast<double>(n);
}

std::vector<RewardResult> BrightnessReward::score(const std::vector<Image>& images,
                                                  const std::vector<PromptRecord>& prompts) {
  check_batch(name(), images, prompts);
  std::vector<RewardResult> out(images.size());
  for (size_t i = 0; i < images.size(); ++i) {
    out[i].reward = mean_brightness(images[i]);
    out[i].parts[name()] = out[i].reward;
  }
  return out;
}

std::unique_ptr<ColorFractionReward> ColorFractionReward::from_config(const Config& cfg) {
  auto c = cfg.get<std::vector<int>>("reward.color_fraction.color");
  double tol = cfg.get<double>("reward.color_fraction.tolerance");
  if (c.size() != 3) throw Error("config key 'reward.color_fraction.color' must be [r, g, b]");
  for (int v : c)
    if (v < 0 || v > 255) throw Error("config key 'reward.color_fraction.color' values must be in 0..255");
  if (tol < 0) throw Error("config key 'reward.color_fraction.tolerance' must be >= 0");
  return std::make_unique<ColorFractionReward>(std::array<int, 3>{c[0], c[1], c[2]}, tol);
}

std::vector<RewardResult> ColorFractionReward::score(const std::vector<Image>& images,
                                                     const std::vector<PromptRecord>& prompts) {
  check_batch(name(), images, prompts);
  std::vector<RewardResult> out(images.size());
  for (size_t i = 0; i < images.size(); ++i) {
    out[i].reward = color_fraction(images[i], rgb_, tolerance_);
    out[i].parts[name()] = out[i].reward;
  }
  return out;
}

}  // namespace varrl
