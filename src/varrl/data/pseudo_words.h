// English-like letter strings that are in no word list: RL prompts the policy has never been pretrained on, with the
// letter statistics of the words it will be evaluated on (held-out words are unseen too). Drawn from a letter
// trigram model of the *training* words only, so no held-out word informs them, and kept only when the word list does
// not hold them and their hash puts them in the training split (is_heldout_word false).
#pragma once
#include <string>

namespace varrl {

class Rng;

// One pseudo-word, lower-case a-z, 3..9 letters; deterministic given the generator's state.
std::string pseudo_word(Rng& rng);

}  // namespace varrl
