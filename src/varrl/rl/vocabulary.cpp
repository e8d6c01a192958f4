#include "varrl/rl/vocabulary.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

#include "varrl/core/config.h"
#include "varrl/core/error.h"
#include "varrl/core/rng.h"
#include "varrl/data/render.h"
#include "varrl/data/word_list.h"
#include "varrl/reward/text_distance.h"
#include "varrl/rl/evaluate.h"

namespace varrl {

namespace {

size_t max_word_chars(const Config& cfg) {
  const int m = cfg.get<int>("render.max_chars");
  return m > 0 ? static_cast<size_t>(m) : 16;
}

}  // namespace

std::vector<std::string> heldout_vocabulary(const Config& cfg, int count, uint64_t seed) {
  std::vector<std::string> pool;
  for (const auto& w : words(true))
    if (w.size() >= 3 && w.size() <= max_word_chars(cfg)) pool.push_back(w);
  if (static_cast<int>(pool.size()) < count) throw Error("demo: not enough held-out words for the vocabulary");
  Rng rng(seed);
  for (size_t i = pool.size() - 1; i > 0; --i) std::swap(pool[i], pool[rng.next() % (i + 1)]);  // Fisher-Yates
  pool.resize(count);
  return pool;
}

void check_vocabulary(const Config& cfg, const std::vector<std::string>& words) {
  if (words.empty()) throw Error("demo: the vocabulary is empty (--words W1,W2 or --words-file FILE)");
  for (const auto& w : words) {
    const std::string shown = w.size() > 40 ? w.substr(0, 40) + "..." : w;
    if (w.empty()) throw Error("demo: an empty word in the vocabulary");
    for (unsigned char c : w)
      if (c < 0x20 || c > 0x7e || c == '"')
        throw Error("demo: word '" + shown + "' has a character the renderer cannot draw (printable ASCII only, no \")");
    if (w.size() > max_word_chars(cfg))
      throw Error("demo: word '" + shown + "' is too long for the image (at most " +
                  std::to_string(max_word_chars(cfg)) + " characters, render.max_chars)");
  }
}

std::vector<PromptRecord> vocabulary_prompts(const Config& cfg, const std::vector<std::string>& words, int per_word,
                                             uint64_t first_seed, const std::vector<PromptRecord>& exclude) {
  const RenderOptions opts = RenderOptions::from_config(cfg);
  std::set<std::string> skip;
  for (const auto& r : exclude) skip.insert(r.prompt);
  std::vector<PromptRecord> out;
  uint64_t seed = first_seed;
  for (const auto& w : words)
    for (int i = 0; i < per_word; ++seed) {
      if (seed - first_seed > 1000u * static_cast<uint64_t>(per_word) * words.size())
        throw Error("demo: cannot draw " + std::to_string(per_word) + " distinct prompts of '" + w + "'");
      Rng rng(derive_seed(seed, 17));
      const std::string text = rng.chance(opts.uppercase_prob) ? [&] {
        std::string u = w;
        for (auto& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return u;
      }() : to_lower(w);
      auto rec = render_texts(opts, {text}, seed, opts.style).record;
      if (!skip.insert(rec.prompt).second) continue;  // seen among `exclude` or already drawn
      out.push_back(rec);
      ++i;
    }
  return out;
}

std::vector<PromptRecord> control_prompts(const Config& cfg, const std::vector<std::string>& words, int count,
                                          uint64_t seed) {
  std::set<std::string> vocab;
  for (const auto& w : words) vocab.insert(to_lower(w));
  std::vector<PromptRecord> out;
  for (const auto& rec : heldout_prompts(cfg, count + 4 * static_cast<int>(words.size()) + 8, seed)) {
    bool shares = false;
    for (const auto& t : rec.texts) {
      std::istringstream in(to_lower(t));
      for (std::string w; in >> w;) shares = shares || vocab.count(w) > 0;
    }
    if (!shares && static_cast<int>(out.size()) < count) out.push_back(rec);
  }
  return out;
}

}  // namespace varrl
