#include "varrl/data/palette.h"

#include <algorithm>
#include <cmath>

namespace varrl {

const std::vector<NamedColor>& palette() {
  static const std::vector<NamedColor> p = {
      {"black", {20, 20, 20}},      {"white", {245, 245, 240}},  {"red", {200, 30, 35}},
      {"dark red", {120, 15, 20}},  {"orange", {240, 130, 20}},  {"yellow", {250, 215, 40}},
      {"green", {40, 150, 60}},     {"dark green", {20, 80, 40}}, {"blue", {35, 80, 200}},
      {"navy", {20, 30, 90}},       {"light blue", {160, 200, 240}}, {"purple", {110, 50, 150}},
      {"pink", {240, 150, 190}},    {"brown", {110, 70, 35}},    {"beige", {235, 220, 185}},
      {"gray", {128, 128, 128}},    {"light gray", {205, 205, 205}}, {"teal", {20, 130, 130}},
      {"cream", {250, 245, 220}},   {"gold", {200, 160, 50}},
  };
  return p;
}

double relative_luminance(const Rgb& c) {
  auto lin = [](uint8_t v) {
    double s = v / 255.0;
    return s <= 0.04045 ? s / 12.92 : std::pow((s + 0.055) / 1.055, 2.4);
  };
  return 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
}

double contrast_ratio(const Rgb& a, const Rgb& b) {
  double la = relative_luminance(a), lb = relative_luminance(b);
  if (la < lb) std::swap(la, lb);
  return (la + 0.05) / (lb + 0.05);
}

namespace {

Rgb shade(const Rgb& c, double amount) {  // amount in [-1, 1]: towards black (<0) or white (>0)
  Rgb out;
  for (int i = 0; i < 3; ++i) {
    double v = c[i];
    v = amount >= 0 ? v + (255.0 - v) * amount : v * (1.0 + amount);
    out[static_cast<size_t>(i)] = static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L));
  }
  return out;
}

Rgb offset(const Rgb& c, double delta) {
  Rgb out;
  for (int i = 0; i < 3; ++i)
    out[static_cast<size_t>(i)] = static_cast<uint8_t>(std::clamp(std::lround(c[i] + delta), 0L, 255L));
  return out;
}

}  // namespace

std::array<Rgb, 2> Background::extremes() const {
  Rgb a = base.rgb, b = other;
  if (kind == BackgroundKind::Noise) {  // noise reaches about +-2.5 sigma
    a = offset(base.rgb, -2.5 * noise_sigma);
    b = offset(base.rgb, 2.5 * noise_sigma);
  }
  return {a, b};
}

Background random_background(Rng& rng) {
  Background bg;
  bg.base = rng.pick(palette());
  bg.other = bg.base.rgb;
  double u = rng.uniform();
  if (u < 0.4) {
    bg.kind = BackgroundKind::Flat;
  } else if (u < 0.6) {
    bg.kind = BackgroundKind::VerticalGradient;
    bg.other = shade(bg.base.rgb, rng.uniform(-0.3, 0.3));
  } else if (u < 0.8) {
    bg.kind = BackgroundKind::HorizontalGradient;
    bg.other = shade(bg.base.rgb, rng.uniform(-0.3, 0.3));
  } else {
    bg.kind = BackgroundKind::Noise;
    bg.noise_sigma = rng.uniform(3.0, 8.0);
  }
  return bg;
}

void paint_background(Image& img, const Background& bg, Rng& rng) {
  const int w = img.width, h = img.height;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      double t = 0;
      if (bg.kind == BackgroundKind::VerticalGradient) t = h > 1 ? static_cast<double>(y) / (h - 1) : 0;
      if (bg.kind == BackgroundKind::HorizontalGradient) t = w > 1 ? static_cast<double>(x) / (w - 1) : 0;
      double n = bg.kind == BackgroundKind::Noise ? rng.normal() * bg.noise_sigma : 0.0;
      uint8_t* p = img.px(x, y);
      for (int c = 0; c < 3; ++c) {
        double v = bg.base.rgb[static_cast<size_t>(c)] * (1 - t) + bg.other[static_cast<size_t>(c)] * t + n;
        p[c] = static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L));
      }
    }
}

NamedColor pick_text_color(const Background& bg, Rng& rng, double min_contrast) {
  const auto ext = bg.extremes();
  auto worst = [&](const Rgb& c) { return std::min(contrast_ratio(c, ext[0]), contrast_ratio(c, ext[1])); };
  std::vector<NamedColor> ok;
  for (const auto& c : palette())
    if (worst(c.rgb) >= min_contrast) ok.push_back(c);
  if (!ok.empty()) return rng.pick(ok);
  const auto& p = palette();
  return worst(p[0].rgb) >= worst(p[1].rgb) ? p[0] : p[1];  // black or white
}

}  // namespace varrl
