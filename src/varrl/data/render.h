// The synthetic text-rendering corpus: images of `width x height` pixels holding 1..max_regions text regions
// (dictionary words, or now and then a random letter string), drawn with cairo + FreeType in several DejaVu fonts on
// flat, gradient or lightly noisy backgrounds with legible contrast, plus a prompt in the paper's style that quotes
// every text and the exact pixel box of each region. Everything is a pure function of the seed: the same seed gives the
// same pixels (and PNG bytes) on every run.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "varrl/core/config.h"
#include "varrl/core/image.h"
#include "varrl/data/prompt_record.h"

namespace varrl {

enum class RenderStyle {
  Random,  // background, colours, font, size and position drawn from the seed, as in render_sample
  Plain,   // black DejaVu Sans on white, largest size that fits (font_size_max at most), centred
  Mono,    // black DejaVu Sans Mono Bold on white at font_size_max, left-aligned, vertically centred: character k of
           // a text always sits at the same columns (the CPU base model's task)
};

struct RenderOptions {
  int width = 128, height = 32;      // data.image_width / data.image_height
  int min_words = 1, max_words = 2;  // words per region
  int max_regions = 1;               // regions per image: uniform in 1..max_regions
  double random_string_prob = 0.1;  // a region is a random a-z string (never a dictionary word) instead
  double uppercase_prob = 0.5;       // a region is UPPER CASE; otherwise lower case or Title Case (even odds)
  double font_size_min = 14, font_size_max = 22;  // em size in pixels, shrunk further until the text fits
  bool heldout = false;              // render.heldout: the default word split of `varrl render`
  int max_chars = 0;                 // render.max_chars: a region has at most this many characters (0 = any)
  RenderStyle style = RenderStyle::Random;             // render.style: random | plain | mono (see RenderStyle)
  double min_contrast = 4.5;         // WCAG contrast ratio between text and every background colour (not a key)

  // Reads data.image_width/height and the render.* keys; throws varrl::Error naming a key with a bad value.
  static RenderOptions from_config(const Config& cfg);
};

struct RenderedSample {
  Image image;
  PromptRecord record;  // prompt, texts (in prompt order), boxes [x0,y0,x1,y1) of each text's ink; image path empty
};

// One corpus sample. `heldout` picks the word split (training renders never show a held-out word).
RenderedSample render_sample(const RenderOptions& opts, uint64_t seed, bool heldout);


// Renders the given texts, one region each, with a generated prompt quoting them.
RenderedSample render_texts(const RenderOptions& opts, const std::vector<std::string>& texts, uint64_t seed,
                            RenderStyle style = RenderStyle::Random);
// Renders the double-quoted texts of `prompt` (e.g. a "reference" image for a prompt); record.prompt = prompt.
// Throws varrl::Error when the prompt quotes nothing.
RenderedSample render_prompt(const RenderOptions& opts, const std::string& prompt, uint64_t seed,
                             RenderStyle style = RenderStyle::Random);

}  // namespace varrl
