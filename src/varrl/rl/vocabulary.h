// The vocabulary `varrl demo` teaches: a few words the base cannot write (by default held-out words, which
// pretraining never showed), their RL prompts, and fresh scenes of them for evaluation — corpus prompts from disjoint
// seed ranges, with no evaluation prompt string among the RL prompts.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "varrl/data/prompt_record.h"

namespace varrl {
class Config;

// `count` held-out words that the corpus of `cfg` can render (render.max_chars), picked by `seed`, in a fixed order.
std::vector<std::string> heldout_vocabulary(const Config& cfg, int count, uint64_t seed);

// Throws one error line naming the word when the renderer of `cfg` cannot draw it: empty, not printable ASCII, a
// double quote, or longer than render.max_chars (or 16 characters, what fits a line of the image).
void check_vocabulary(const Config& cfg, const std::vector<std::string>& words);

// `per_word` corpus prompts (render style and case of `cfg`) of each word, word-major, from seeds first_seed, ….
// Prompt strings in `exclude` are skipped (the next seed is drawn instead).
std::vector<PromptRecord> vocabulary_prompts(const Config& cfg, const std::vector<std::string>& words, int per_word,
                                             uint64_t first_seed, const std::vector<PromptRecord>& exclude = {});

// Held-out corpus prompts whose texts share no word with `words` (the demo's control: transfer to other words).
std::vector<PromptRecord> control_prompts(const Config& cfg, const std::vector<std::string>& words, int count,
                                          uint64_t seed);

}  // namespace varrl
