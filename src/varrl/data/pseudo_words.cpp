#include "varrl/data/pseudo_words.h"

#include <array>

#include "varrl/core/rng.h"
#include "varrl/data/word_list.h"

namespace varrl {

namespace {

constexpr int kSymbols = 27;  // a..z and the word boundary (index 26)
constexpr int kBoundary = 26;
constexpr int kMinLen = 3, kMaxLen = 9;

// counts[a][b][c]: how often symbol c follows the pair (a, b) in the training words, word boundaries included.
struct TrigramCounts {
  std::array<std::array<std::array<int, kSymbols>, kSymbols>, kSymbols> counts{};
  std::array<std::array<int, kSymbols>, kSymbols> totals{};
};

const TrigramCounts& trigram_counts() {
  static const TrigramCounts table = [] {
    TrigramCounts t;
    for (const auto& w : words(/*heldout=*/false)) {
      int a = kBoundary, b = kBoundary;
      for (size_t i = 0; i <= w.size(); ++i) {
        const int c = i < w.size() ? w[i] - 'a' : kBoundary;
        ++t.counts[a][b][c];
        ++t.totals[a][b];
        a = b;
        b = c;
      }
    }
    return t;
  }();
  return table;
}

}  // namespace

std::string pseudo_word(Rng& rng) {
  const auto& t = trigram_counts();
  while (true) {
    std::string s;
    int a = kBoundary, b = kBoundary;
    while (static_cast<int>(s.size()) <= kMaxLen) {
      // Every pair reached here was seen followed by something, so totals[a][b] > 0.
      int r = rng.range(0, t.totals[a][b] - 1), c = 0;
      while (r >= t.counts[a][b][c]) r -= t.counts[a][b][c++];
      if (c == kBoundary) break;
      s += static_cast<char>('a' + c);
      a = b;
      b = c;
    }
    const int n = static_cast<int>(s.size());
    if (n >= kMinLen && n <= kMaxLen && !is_known_word(s) && !is_heldout_word(s)) return s;
  }
}

}  // namespace varrl
