// The shipped English word list of the synthetic text-rendering corpus and its fixed train / held-out split: a word
// is held out when a hash of its letters falls in the lowest 15% of the range, so evaluation prompts use words that
// training renders never show (the split depends only on the word, never on a seed or the list order).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace varrl {

// Every word (lower-case a-z, 2..9 letters, no duplicates), in the order shipped.
const std::vector<std::string>& all_words();
// The training words (about 85%) or the held-out words (about 15%).
const std::vector<std::string>& words(bool heldout);
// Whether `word` (lower-case) is in the held-out split; also true-or-false for words not in the list (the hash rule).
bool is_heldout_word(const std::string& word);
// True when `word` (lower-case) is in the list.
bool is_known_word(const std::string& word);

}  // namespace varrl
