// Named colours, legibility (WCAG contrast ratio) and the background painter of the synthetic corpus. Colour names
// go into the prompts, so the words a prompt uses describe the pixels the image shows.
#pragma once
#include <array>
#include <string>
#include <vector>

#include "varrl/core/image.h"
#include "varrl/core/rng.h"

namespace varrl {

using Rgb = std::array<uint8_t, 3>;

struct NamedColor {
  const char* name;
  Rgb rgb;
};

const std::vector<NamedColor>& palette();

// WCAG 2 relative luminance (0..1) and contrast ratio (1..21) of two colours.
double relative_luminance(const Rgb& c);
double contrast_ratio(const Rgb& a, const Rgb& b);

// The background of one image: a base colour, its kind and (for gradients) the second end colour.
enum class BackgroundKind { Flat, VerticalGradient, HorizontalGradient, Noise };

struct Background {
  NamedColor base;
  BackgroundKind kind = BackgroundKind::Flat;
  Rgb other{};          // gradient end colour (== base.rgb for flat / noise)
  double noise_sigma = 0;  // grey levels of additive per-pixel noise (Noise kind only)
  // The darkest and the lightest colour the background can show (what text must contrast with).
  std::array<Rgb, 2> extremes() const;
};

// Draws a random background (kind and colours) from `rng`.
Background random_background(Rng& rng);
// Paints `bg` over the whole image (noise drawn from `rng`).
void paint_background(Image& img, const Background& bg, Rng& rng);
// A text colour from the palette with contrast >= `min_contrast` against every colour of `bg` (random among those
// that qualify; black or white, whichever contrasts more, when none does).
NamedColor pick_text_color(const Background& bg, Rng& rng, double min_contrast);

}  // namespace varrl
