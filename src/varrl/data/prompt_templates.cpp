#include "varrl/data/prompt_templates.h"

#include "varrl/core/error.h"

namespace varrl {

namespace {

const std::vector<std::string> kObjects = {
    "sign",     "poster",   "banner",     "shop sign",  "label",    "book cover", "t-shirt",  "coffee mug",
    "street sign", "billboard", "neon sign", "chalkboard", "notebook", "cardboard box", "door plate", "menu board",
    "ticket",   "flag",     "name badge", "sticker",    "placard",  "food truck", "tote bag", "storefront awning"};
const std::vector<std::string> kSurfaces = {"brick wall", "wooden fence", "glass door", "concrete wall",
                                            "shop window", "lamp post", "metal gate", "tiled wall", "tree trunk"};
const std::vector<std::string> kScenes = {"busy street", "quiet cafe", "night market", "train station",
                                          "library",     "beach",      "city park",    "office lobby",
                                          "kitchen",     "museum",     "rainy alley",  "school hallway"};
const std::vector<std::string> kVerbs = {"says", "reads", "shows", "displays"};

// `"A"`, `"A" and "B"`, `"A", "B" and "C"`.
std::string quote_list(const std::vector<std::string>& texts) {
  std::string out;
  for (size_t i = 0; i < texts.size(); ++i) {
    if (i > 0) out += i + 1 == texts.size() ? " and " : ", ";
    out += "\"" + texts[i] + "\"";
  }
  return out;
}

std::string with_article(const std::string& phrase) {
  if (phrase.empty()) return phrase;
  char c = phrase[0];
  bool vowel = c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
  return (vowel ? "an " : "a ") + phrase;
}

std::string join_words(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return a + " " + b;
}

}  // namespace

std::string make_prompt(const std::vector<std::string>& texts, const SceneWords& s, Rng& rng) {
  if (texts.empty()) throw Error("make_prompt: no text to quote");
  for (const auto& t : texts)
    if (t.find('"') != std::string::npos) throw Error("make_prompt: text contains a double quote: " + t);
  const std::string q = quote_list(texts);
  const std::string words = "the words " + q;
  const std::string object = rng.pick(kObjects);
  const std::string verb = rng.pick(kVerbs);
  const std::string letters = join_words(join_words(s.text_color, s.font_style), "letters");
  switch (rng.range(0, 7)) {
    case 0:
      return with_article(join_words(s.background, object)) + " on a " + rng.pick(kSurfaces) + " that " + verb +
             " " + q;
    case 1:
      return letters + " on " + with_article(join_words(s.background, object)) + " reading " + q;
    case 2:
      return with_article(object) + " with " + words + " in " + s.text_color;
    case 3:
      return "a photo of " + with_article(join_words(s.background, object)) + " that " + verb + " " + q;
    case 4:
      return "the text " + q + " written in " + letters + " on " + with_article(s.background) + " background";
    case 5:
      return with_article(join_words(s.background, object)) + " in a " + rng.pick(kScenes) + ", " + words +
             " printed on it";
    case 6:
      return "a close-up of " + with_article(object) + " in " + s.text_color + " and " + s.background + " that " +
             verb + " " + q;
    default:
      return with_article(join_words(s.font_style, object)) + " with " + letters + " spelling " + q + " on " +
             with_article(s.background) + " background";
  }
}

}  // namespace varrl
