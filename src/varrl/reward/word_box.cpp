#include "varrl/reward/word_box.h"

namespace varrl {

std::string join_words(const std::vector<WordBox>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ' ';
    out += w.text;
  }
  return out;
}

}  // namespace varrl
