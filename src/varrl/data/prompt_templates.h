// Prompts in the paper's style for the synthetic corpus: each names the rendered text(s) in double quotes and
// describes the image with colour, object and scene words drawn from varied templates, e.g.
//   a blue sign on a brick wall that says "OPEN LATE"
#pragma once
#include <string>
#include <vector>

#include "varrl/core/rng.h"

namespace varrl {

// What the image shows, for the prompt to describe.
struct SceneWords {
  std::string text_color;  // e.g. "white"
  std::string background;  // background colour name, e.g. "navy"
  std::string font_style;  // "", "bold", "serif", "monospaced", ...
};

// A prompt quoting every text (in order, exactly as given; texts must not contain '"').
std::string make_prompt(const std::vector<std::string>& texts, const SceneWords& scene, Rng& rng);

}  // namespace varrl
