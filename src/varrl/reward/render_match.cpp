#include "varrl/reward/render_match.h"

#include <algorithm>
#include <map>

#include "varrl/core/error.h"

namespace varrl {

namespace {

// One pass of a (2r + 1)-wide box blur along x, then along y, clamped at the borders.
void box_blur(std::vector<float>& m, int w, int h, int r) {
  std::vector<float> tmp(m.size());
  const float norm = 1.0f / static_cast<float>(2 * r + 1);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      float s = 0;
      for (int d = -r; d <= r; ++d) s += m[static_cast<size_t>(y) * w + std::clamp(x + d, 0, w - 1)];
      tmp[static_cast<size_t>(y) * w + x] = s * norm;
    }
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      float s = 0;
      for (int d = -r; d <= r; ++d) s += tmp[static_cast<size_t>(std::clamp(y + d, 0, h - 1)) * w + x];
      m[static_cast<size_t>(y) * w + x] = s * norm;
    }
}

}  // namespace

std::vector<float> ink_map(const Image& img, int blur_radius) {
  const auto gray = to_gray(img);
  std::vector<float> ink(gray.size());
  for (size_t i = 0; i < gray.size(); ++i) ink[i] = 1.0f - static_cast<float>(gray[i]) / 255.0f;
  if (blur_radius > 0)
    for (int pass = 0; pass < 2; ++pass) box_blur(ink, img.width, img.height, blur_radius);
  return ink;
}

double soft_dice(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) throw Error("render_match: ink maps of different sizes");
  double both = 0, sum = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    both += std::min(a[i], b[i]);
    sum += static_cast<double>(a[i]) + b[i];
  }
  return sum > 0 ? 2.0 * both / sum : 1.0;
}

RenderMatchReward::RenderMatchReward(RenderOptions opts, int blur_radius) : opts_(std::move(opts)), blur_(blur_radius) {
  if (opts_.style == RenderStyle::Random)
    throw Error("reward 'render_match' needs a deterministic reference: render.style must be mono or plain");
  if (blur_ < 0) throw Error("config key 'reward.render_match.blur' must be >= 0");
}

std::unique_ptr<RenderMatchReward> RenderMatchReward::from_config(const Config& cfg) {
  return std::make_unique<RenderMatchReward>(RenderOptions::from_config(cfg), cfg.get<int>("reward.render_match.blur"));
}

std::vector<RewardResult> RenderMatchReward::score(const std::vector<Image>& images,
                                                   const std::vector<PromptRecord>& prompts) {
  check_batch(name(), images, prompts);
  std::vector<RewardResult> out(images.size());
  std::map<std::string, std::vector<float>> ref_ink;  // per prompt: an RL group's G images share one reference
  for (size_t i = 0; i < images.size(); ++i) {
    if (images[i].width != opts_.width || images[i].height != opts_.height)
      throw Error("reward 'render_match': image " + std::to_string(i) + " is " + std::to_string(images[i].width) +
                  "x" + std::to_string(images[i].height) + ", the reference " + std::to_string(opts_.width) + "x" +
                  std::to_string(opts_.height) + " (data.image_width x data.image_height)");
    auto ref = ref_ink.find(prompts[i].prompt);
    if (ref == ref_ink.end())
      ref = ref_ink.emplace(prompts[i].prompt,
                            ink_map(render_prompt(opts_, prompts[i].prompt, 0, opts_.style).image, blur_)).first;
    out[i].reward = soft_dice(ink_map(images[i], blur_), ref->second);
    out[i].parts[name()] = out[i].reward;
  }
  return out;
}

}  // namespace varrl
