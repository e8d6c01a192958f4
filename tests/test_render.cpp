// The synthetic corpus: word list split, determinism, exact boxes, held-out isolation, prompts, the `varrl render`
// command and reading a folder back.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "temp_dir.h"
#include "varrl/core/atomic_file.h"
#include "varrl/core/error.h"
#include "varrl/core/rng.h"
#include "varrl/data/image_folder.h"
#include "varrl/data/render.h"
#include "varrl/data/word_list.h"

using namespace varrl;
using varrl::testing::temp_dir;
namespace fs = std::filesystem;

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::vector<std::string> split_words(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ' ') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

RenderOptions multi_region_options() {
  RenderOptions o;
  o.max_regions = 3;
  o.max_words = 3;
  return o;
}

}  // namespace

TEST(WordList, SizeLettersUniquenessAndSplit) {
  const auto& all = all_words();
  EXPECT_GE(all.size(), 800u);
  EXPECT_LE(all.size(), 1500u);
  std::set<std::string> seen;
  for (const auto& w : all) {
    EXPECT_GE(w.size(), 2u) << w;
    EXPECT_LE(w.size(), 9u) << w;
    EXPECT_EQ(w.find_first_not_of("abcdefghijklmnopqrstuvwxyz"), std::string::npos) << w;
    EXPECT_TRUE(seen.insert(w).second) << "duplicate " << w;
  }
  const auto& train = words(false);
  const auto& held = words(true);
  EXPECT_EQ(train.size() + held.size(), all.size());
  double frac = static_cast<double>(held.size()) / all.size();
  EXPECT_GT(frac, 0.10);
  EXPECT_LT(frac, 0.20);
  for (const auto& w : held) EXPECT_TRUE(is_heldout_word(w));
  for (const auto& w : train) EXPECT_FALSE(is_heldout_word(w));
}

TEST(Render, SameSeedSameBytesDifferentSeedDifferent) {
  RenderOptions o = multi_region_options();
  for (uint64_t seed : {1ull, 77ull, 123456789ull}) {
    auto a = render_sample(o, seed, false);
    auto b = render_sample(o, seed, false);
    EXPECT_EQ(encode_png(a.image), encode_png(b.image));
    EXPECT_EQ(a.record.prompt, b.record.prompt);
    EXPECT_EQ(a.record.boxes, b.record.boxes);
    auto c = render_sample(o, seed + 1, false);
    EXPECT_NE(encode_png(a.image), encode_png(c.image));
  }
}

TEST(Render, BoxesInsideImageAndNonEmpty) {
  RenderOptions o = multi_region_options();
  o.width = 160;
  o.height = 48;
  std::set<size_t> region_counts;
  for (uint64_t seed = 0; seed < 300; ++seed) {
    auto s = render_sample(o, derive_seed(9, seed), seed % 2 == 0);
    ASSERT_EQ(s.image.width, 160);
    ASSERT_EQ(s.image.height, 48);
    ASSERT_EQ(s.record.boxes.size(), s.record.texts.size());
    region_counts.insert(s.record.texts.size());
    for (const Box& b : s.record.boxes) {
      EXPECT_GE(b[0], 0);
      EXPECT_GE(b[1], 0);
      EXPECT_LE(b[2], 160);
      EXPECT_LE(b[3], 48);
      EXPECT_LT(b[0] + 2, b[2]);  // a real glyph run is several pixels wide and tall
      EXPECT_LT(b[1] + 2, b[3]);
    }
  }
  EXPECT_EQ(region_counts, (std::set<size_t>{1, 2, 3}));
}

// With black text on white, every inked pixel must lie inside a box and each box must touch ink on all four sides.
TEST(Render, PlainBoxesAreTightInkBoxes) {
  RenderOptions o;
  const std::vector<std::vector<std::string>> cases = {{"Hello"}, {"OPEN LATE"}, {"jumpy"}, {"a", "quiet night"}};
  for (size_t k = 0; k < cases.size(); ++k) {
    auto s = render_texts(o, cases[k], k, RenderStyle::Plain);
    auto inside = [&](int x, int y) {
      for (const Box& b : s.record.boxes)
        if (x >= b[0] && x < b[2] && y >= b[1] && y < b[3]) return true;
      return false;
    };
    auto ink = [&](int x, int y) { return s.image.px(x, y)[0] < 250; };
    for (int y = 0; y < s.image.height; ++y)
      for (int x = 0; x < s.image.width; ++x)
        if (ink(x, y)) EXPECT_TRUE(inside(x, y)) << cases[k][0] << " ink outside boxes at " << x << "," << y;
    for (const Box& b : s.record.boxes) {
      bool left = false, right = false, top = false, bottom = false;
      for (int y = b[1]; y < b[3]; ++y) {
        left |= ink(b[0], y);
        right |= ink(b[2] - 1, y);
      }
      for (int x = b[0]; x < b[2]; ++x) {
        top |= ink(x, b[1]);
        bottom |= ink(x, b[3] - 1);
      }
      EXPECT_TRUE(left && right && top && bottom) << cases[k][0] << " box not tight";
    }
  }
}

TEST(Render, LongTextShrinksToFit) {
  RenderOptions o;
  o.font_size_min = o.font_size_max = 30;
  auto s = render_texts(o, {"SURPRISE HOSPITAL ELEPHANT"}, 3);
  const Box& b = s.record.boxes.at(0);
  EXPECT_GE(b[0], 0);
  EXPECT_LE(b[2], 128);
  EXPECT_GT(b[2] - b[0], 90);  // it fills most of the width instead of being clipped
}

TEST(Render, HeldOutWordsNeverInTrainingRenders) {
  RenderOptions o = multi_region_options();
  o.random_string_prob = 0.2;
  size_t train_words = 0, held_words = 0, random_strings = 0;
  for (uint64_t i = 0; i < 400; ++i) {
    for (bool heldout : {false, true}) {
      auto s = render_sample(o, derive_seed(2024, i), heldout);
      for (const auto& t : s.record.texts)
        for (const auto& w : split_words(lower(t))) {
          if (!is_known_word(w)) {
            ++random_strings;
            continue;
          }
          if (heldout) {
            EXPECT_TRUE(is_heldout_word(w)) << w;
            ++held_words;
          } else {
            EXPECT_FALSE(is_heldout_word(w)) << "held-out word in a training render: " << w;
            ++train_words;
          }
        }
    }
  }
  EXPECT_GT(train_words, 500u);
  EXPECT_GT(held_words, 500u);
  EXPECT_GT(random_strings, 50u);
}

TEST(Render, PromptQuotesEveryTextInOrder) {
  RenderOptions o = multi_region_options();
  std::set<std::string> prefixes;
  for (uint64_t i = 0; i < 200; ++i) {
    auto s = render_sample(o, derive_seed(5, i), false);
    EXPECT_EQ(quoted_texts(s.record.prompt), s.record.texts) << s.record.prompt;
    prefixes.insert(s.record.prompt.substr(0, 6));
  }
  EXPECT_GE(prefixes.size(), 6u);  // varied templates
  auto r = render_prompt(o, "a red sign that says \"OPEN LATE\" and \"NO\"", 1);
  EXPECT_EQ(r.record.texts, (std::vector<std::string>{"OPEN LATE", "NO"}));
  EXPECT_EQ(r.record.prompt, "a red sign that says \"OPEN LATE\" and \"NO\"");
  EXPECT_THROW(render_prompt(o, "no quotes here", 1), Error);
}

TEST(Render, FromConfigReadsAndValidates) {
  Config cfg = Config::defaults();
  cfg.merge_yaml_text("data: {image_width: 256}\nrender: {max_regions: 2}\n", "test");
  RenderOptions o = RenderOptions::from_config(cfg);
  EXPECT_EQ(o.width, 256);
  EXPECT_EQ(o.max_regions, 2);
  cfg.merge_yaml_text("render: {max_words: 0}\n", "test");
  EXPECT_THROW(RenderOptions::from_config(cfg), Error);
  Config bad_style = Config::defaults();
  bad_style.set("render.style=fancy");
  EXPECT_THROW(RenderOptions::from_config(bad_style), Error);
}

TEST(Render, PlainStyleIsBlackTextOnWhiteWithTheWordInThePrompt) {
  Config cfg = Config::defaults();
  cfg.merge_yaml_text("render: {style: plain, max_words: 1, random_string_prob: 0, uppercase_prob: 1}\n", "test");
  RenderOptions o = RenderOptions::from_config(cfg);
  ASSERT_TRUE(o.style == RenderStyle::Plain);
  for (uint64_t seed = 0; seed < 20; ++seed) {
    auto s = render_sample(o, seed, false);
    ASSERT_EQ(s.record.texts.size(), 1u);
    const std::string& t = s.record.texts[0];
    EXPECT_EQ(t.find(' '), std::string::npos);
    for (char c : t) EXPECT_TRUE(c >= 'A' && c <= 'Z') << t;
    EXPECT_NE(s.record.prompt.find("\"" + t + "\""), std::string::npos) << s.record.prompt;
    long dark = 0;
    for (int y = 0; y < s.image.height; ++y)
      for (int x = 0; x < s.image.width; ++x) {
        const uint8_t* p = s.image.px(x, y);
        EXPECT_TRUE(p[0] == p[1] && p[1] == p[2]);  // grey levels only (anti-aliased black on white)
        dark += p[0] < 128;
      }
    const uint8_t* corner = s.image.px(0, 0);
    EXPECT_EQ(corner[0], 255);
    EXPECT_GT(dark, 20) << t;
  }
}

// Mono: character k of a text always occupies the same columns, whatever the text's length or other letters, and
// render.max_chars bounds every sampled text.
TEST(Render, MonoStyleKeepsEveryCharacterInFixedColumns) {
  Config cfg = Config::defaults();
  cfg.merge_yaml_text("render: {style: mono, max_words: 1, random_string_prob: 0, uppercase_prob: 1, font_size_max: 20,"
                      " max_chars: 6}\n", "test");
  RenderOptions o = RenderOptions::from_config(cfg);
  ASSERT_TRUE(o.style == RenderStyle::Mono);
  auto cols = [](const Image& im, int x0, int x1) {  // the pixels of columns [x0, x1)
    std::vector<int> v;
    for (int y = 0; y < im.height; ++y)
      for (int x = x0; x < x1; ++x) v.push_back(im.px(x, y)[0]);
    return v;
  };
  auto a = render_texts(o, {"HAT"}, 1, RenderStyle::Mono), b = render_texts(o, {"HATBOXES"}, 2, RenderStyle::Mono);
  auto c = render_texts(o, {"CAT"}, 3, RenderStyle::Mono);
  EXPECT_EQ(a.record.boxes[0][0], b.record.boxes[0][0]);  // left-aligned: same start for a short and a long text
  EXPECT_LE(a.record.boxes[0][0], 4);
  // Advance of DejaVu Sans Mono = 0.602 em → 12.04 px at 20 px: "HAT" and "HATBOXES" agree on their first 3 cells
  // except at the right edge of T (anti-aliasing into B), "HAT" and "CAT" differ in cell 0 only.
  EXPECT_EQ(cols(a.image, 0, 34), cols(b.image, 0, 34));
  EXPECT_NE(cols(a.image, 0, 12), cols(c.image, 0, 12));
  EXPECT_EQ(cols(a.image, 13, 128), cols(c.image, 13, 128));
  for (uint64_t seed = 0; seed < 200; ++seed) {
    auto s = render_sample(o, seed, seed % 2 == 1);
    EXPECT_LE(s.record.texts[0].size(), 6u) << s.record.texts[0];
    EXPECT_LE(s.record.boxes[0][2], 127) << s.record.texts[0];  // never shrunk past the image: fits at 20 px
  }
}

TEST(Image, ResizeAreaAndBilinear) {
  Image a(4, 2);
  for (int x = 0; x < 4; ++x)
    for (int y = 0; y < 2; ++y) a.px(x, y)[0] = static_cast<uint8_t>(x * 40 + y * 100);
  Image d = resize(a, 2, 1);  // each output pixel averages a 2x2 block
  EXPECT_EQ(d.px(0, 0)[0], (0 + 40 + 100 + 140) / 4);
  EXPECT_EQ(d.px(1, 0)[0], (80 + 120 + 180 + 220) / 4);  // 150
  Image u = resize(d, 4, 1);  // centres at -0.25, 0.25, 0.75, 1.25 in source pixels (clamped at the ends)
  EXPECT_EQ(u.px(0, 0)[0], 70);
  EXPECT_EQ(u.px(1, 0)[0], 90);   // 70 + 0.25 * (150 - 70)
  EXPECT_EQ(u.px(2, 0)[0], 130);  // 70 + 0.75 * 80
  EXPECT_EQ(u.px(3, 0)[0], 150);
  EXPECT_THROW(resize(a, 0, 3), Error);
}

TEST(RenderCli, WritesCorpusDeterministicallyAndReadsBack) {
  fs::path d1 = temp_dir("cli1"), d2 = temp_dir("cli2");
  std::string bin = VARRL_BINARY;
  const std::string cfg = (d1 / "cfg.yaml").string();
  write_file_atomic(cfg, "render:\n  max_regions: 2\n");
  std::string cmd1 = bin + " render --count 24 --seed 5 --threads 1 --config " + cfg + " --out " + d1.string() +
                     " > " + (d1 / "stdout.txt").string() + " 2>/dev/null";
  std::string cmd2 = bin + " render --count 24 --seed 5 --threads 2 --config " + cfg + " --out " + d2.string() +
                     " > /dev/null 2>&1";
  ASSERT_EQ(std::system(cmd1.c_str()), 0);
  ASSERT_EQ(std::system(cmd2.c_str()), 0);
  std::string summary = read_file((d1 / "stdout.txt").string());
  EXPECT_NE(summary.find("\"count\":24"), std::string::npos) << summary;
  EXPECT_NE(summary.find("prompts.jsonl"), std::string::npos) << summary;
  EXPECT_EQ(read_file((d1 / "prompts.jsonl").string()), read_file((d2 / "prompts.jsonl").string()));

  ImageFolder folder(d1.string());  // the folder form finds prompts.jsonl
  ASSERT_EQ(folder.size(), 24u);
  RenderOptions o;
  o.max_regions = 2;
  for (size_t i = 0; i < folder.size(); ++i) {
    LoadedSample s = folder.load(i);
    auto expect = render_sample(o, derive_seed(5, i), false);
    EXPECT_EQ(s.record.prompt, expect.record.prompt);
    EXPECT_EQ(s.record.boxes, expect.record.boxes);
    EXPECT_EQ(s.image.rgb, expect.image.rgb);
    EXPECT_EQ(read_file(s.path), read_file((d2 / s.record.image).string()));  // threads do not change bytes
  }
  fs::remove_all(d1);
  fs::remove_all(d2);
}

TEST(ImageFolder, ResizesAndNamesFileAndLineOnErrors) {
  fs::path d = temp_dir("folder");
  RenderOptions big;
  big.width = 256;
  big.height = 64;
  auto s = render_texts(big, {"HELLO"}, 1, RenderStyle::Plain);
  write_png((d / "a.png").string(), s.image);
  write_file_atomic((d / "bad.png").string(), "this is not a png");
  const Box b = s.record.boxes[0];
  auto row = [&](const std::string& img) {
    return "{\"prompt\":\"a sign that says \\\"HELLO\\\"\",\"boxes\":[[" + std::to_string(b[0]) + "," +
           std::to_string(b[1]) + "," + std::to_string(b[2]) + "," + std::to_string(b[3]) + "]],\"image\":\"" +
           img + "\"}\n";
  };
  write_file_atomic((d / "good.jsonl").string(), row("a.png") + "\n" + row("a.png"));
  ImageFolder f((d / "good.jsonl").string(), 128, 32);
  ASSERT_EQ(f.size(), 2u);
  LoadedSample l = f.load(1);
  EXPECT_EQ(l.image.width, 128);
  EXPECT_EQ(l.image.height, 32);
  EXPECT_EQ(l.record.texts, std::vector<std::string>{"HELLO"});
  EXPECT_EQ(l.record.boxes[0][0], b[0] / 2);
  EXPECT_EQ(l.record.boxes[0][2], (b[2] + 1) / 2);

  write_file_atomic((d / "missing.jsonl").string(), row("a.png") + row("a.png") + row("nope.png"));
  try {
    ImageFolder m((d / "missing.jsonl").string());
    FAIL() << "missing image not reported";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing.jsonl:3"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("nope.png"), std::string::npos) << e.what();
  }
  write_file_atomic((d / "corrupt.jsonl").string(), row("a.png") + "\n\n" + row("bad.png"));
  ImageFolder c((d / "corrupt.jsonl").string());
  EXPECT_NO_THROW(c.load(0));
  try {
    c.load(1);
    FAIL() << "corrupt image not reported";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("corrupt.jsonl:4"), std::string::npos) << e.what();
  }
  fs::remove_all(d);
}
