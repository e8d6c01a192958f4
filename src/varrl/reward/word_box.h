// One word a reward found in an image: its text (empty when the reward only gives a region), a confidence in [0, 1]
// and its pixel box in the scored image. Boxes are a reward's attribution, the initial mask of mask propagation.
#pragma once
#include <string>
#include <vector>

#include "varrl/data/prompt_record.h"

namespace varrl {

struct WordBox {
  std::string text;
  float conf = 1.f;
  Box box{0, 0, 0, 0};  // x0, y0, x1, y1 (exclusive), pixels of the scored image
};

// Words joined by single spaces.
std::string join_words(const std::vector<WordBox>& words);

}  // namespace varrl
