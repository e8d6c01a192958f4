#include "varrl/data/render.h"

#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>

#include "varrl/core/choice.h"
#include "varrl/core/error.h"
#include "varrl/core/rng.h"
#include "varrl/data/fonts.h"
#include "varrl/data/palette.h"
#include "varrl/data/prompt_templates.h"
#include "varrl/data/word_list.h"

namespace varrl {

RenderOptions RenderOptions::from_config(const Config& cfg) {
  RenderOptions o;
  o.width = cfg.get<int>("data.image_width");
  o.height = cfg.get<int>("data.image_height");
  o.min_words = cfg.get<int>("render.min_words");
  o.max_words = cfg.get<int>("render.max_words");
  o.max_regions = cfg.get<int>("render.max_regions");
  o.random_string_prob = cfg.get<double>("render.random_string_prob");
  o.uppercase_prob = cfg.get<double>("render.uppercase_prob");
  o.font_size_min = cfg.get<double>("render.font_size_min");
  o.font_size_max = cfg.get<double>("render.font_size_max");
  o.heldout = cfg.get<bool>("render.heldout");
  o.max_chars = cfg.get<int>("render.max_chars");
  o.style = choice<RenderStyle>(
      cfg, "render.style", {{"random", RenderStyle::Random}, {"plain", RenderStyle::Plain}, {"mono", RenderStyle::Mono}});
  auto bad = [](const std::string& key, const std::string& why) { throw Error("config key '" + key + "' " + why); };
  if (o.width < 8 || o.height < 8) bad("data.image_width/image_height", "must be at least 8 pixels");
  if (o.min_words < 1) bad("render.min_words", "must be >= 1");
  if (o.max_words < o.min_words) bad("render.max_words", "must be >= render.min_words");
  if (o.max_regions < 1) bad("render.max_regions", "must be >= 1");
  if (o.random_string_prob < 0 || o.random_string_prob > 1) bad("render.random_string_prob", "must be in [0, 1]");
  if (o.uppercase_prob < 0 || o.uppercase_prob > 1) bad("render.uppercase_prob", "must be in [0, 1]");
  if (o.font_size_min < 4) bad("render.font_size_min", "must be >= 4");
  if (o.font_size_max < o.font_size_min) bad("render.font_size_max", "must be >= render.font_size_min");
  if (o.max_chars < 0 || (o.max_chars > 0 && o.max_chars < 3)) bad("render.max_chars", "must be 0 (any) or >= 3");
  return o;
}

namespace {

constexpr double kPad = 1.0;       // pixels kept free between ink and cell border
constexpr double kMinFont = 5.0;   // never shrink below this em size

struct Style {
  Background bg;
  NamedColor color;
  size_t font = 0;
  double size = 16;  // target em size before fitting
  double fx = -1;    // horizontal place of the ink in its cell's slack: 0 left, 0.5 centred; < 0 = random
  double fy = -1;    // vertical, likewise
  bool fixed_origin = false;  // the first glyph's origin (not its ink) at the cell's left edge + kPad: fixed columns
};

struct Cell {
  double x0, y0, w, h;
};

// A text shaped at the current font and size, glyph origins rounded to whole pixels (cairo's image backend draws
// glyphs at whole-pixel positions, so the extents of the rounded glyphs are exactly the drawn ink), origin at (0,0).
struct Shaped {
  double size = 0;
  std::vector<cairo_glyph_t> glyphs;
  cairo_text_extents_t ext{};
};

Shaped shape(cairo_t* cr, const std::string& text, double size) {
  Shaped s;
  s.size = size;
  cairo_set_font_size(cr, size);
  cairo_glyph_t* glyphs = nullptr;
  int n = 0;
  cairo_status_t st = cairo_scaled_font_text_to_glyphs(cairo_get_scaled_font(cr), 0, 0, text.c_str(), -1, &glyphs,
                                                       &n, nullptr, nullptr, nullptr);
  if (st != CAIRO_STATUS_SUCCESS) throw Error(std::string("cairo: cannot shape text: ") + cairo_status_to_string(st));
  for (int i = 0; i < n; ++i) {
    cairo_glyph_t g = glyphs[i];
    g.x = std::round(g.x);
    g.y = std::round(g.y);
    s.glyphs.push_back(g);
  }
  cairo_glyph_free(glyphs);
  cairo_glyph_extents(cr, s.glyphs.data(), static_cast<int>(s.glyphs.size()), &s.ext);
  return s;
}

// The largest em size <= target at which `text` fits inside the cell (kPad free on each side, plus one pixel for
// the rounding of the origin).
Shaped fit(cairo_t* cr, const std::string& text, const Cell& cell, double target) {
  const double avail_w = cell.w - 2 * kPad - 1, avail_h = cell.h - 2 * kPad - 1;
  double size = target;
  Shaped s;
  for (int iter = 0; iter < 16; ++iter) {
    s = shape(cr, text, size);
    if ((s.ext.width <= avail_w && s.ext.height <= avail_h) || size <= kMinFont) return s;
    double shrink = std::min(avail_w / std::max(s.ext.width, 1e-6), avail_h / std::max(s.ext.height, 1e-6));
    size = std::max(kMinFont, size * std::min(shrink, 0.97));
  }
  return s;
}

std::vector<Cell> cells(int n, bool rows, int w, int h) {
  std::vector<Cell> out;
  for (int i = 0; i < n; ++i) {
    if (rows)
      out.push_back({0, static_cast<double>(h) * i / n, static_cast<double>(w), static_cast<double>(h) / n});
    else
      out.push_back({static_cast<double>(w) * i / n, 0, static_cast<double>(w) / n, static_cast<double>(h)});
  }
  return out;
}

// Copies an RGB image into / out of a cairo RGB24 surface (native-endian 0x00RRGGBB words).
void to_surface(const Image& img, cairo_surface_t* s) {
  cairo_surface_flush(s);
  unsigned char* data = cairo_image_surface_get_data(s);
  const int stride = cairo_image_surface_get_stride(s);
  for (int y = 0; y < img.height; ++y) {
    auto* row = reinterpret_cast<uint32_t*>(data + static_cast<size_t>(y) * stride);
    for (int x = 0; x < img.width; ++x) {
      const uint8_t* p = img.px(x, y);
      row[x] = (uint32_t{p[0]} << 16) | (uint32_t{p[1]} << 8) | uint32_t{p[2]};
    }
  }
  cairo_surface_mark_dirty(s);
}

void from_surface(cairo_surface_t* s, Image& img) {
  cairo_surface_flush(s);
  const unsigned char* data = cairo_image_surface_get_data(s);
  const int stride = cairo_image_surface_get_stride(s);
  for (int y = 0; y < img.height; ++y) {
    auto* row = reinterpret_cast<const uint32_t*>(data + static_cast<size_t>(y) * stride);
    for (int x = 0; x < img.width; ++x) {
      uint8_t* p = img.px(x, y);
      p[0] = static_cast<uint8_t>(row[x] >> 16);
      p[1] = static_cast<uint8_t>(row[x] >> 8);
      p[2] = static_cast<uint8_t>(row[x]);
    }
  }
}

// Draws the texts (one per region) over the painted background and returns the ink boxes.
std::vector<Box> draw_texts(Image& img, const std::vector<std::string>& texts, const Style& st, Rng& rng) {
  // cairo serialises FT_Face access itself; the lock keeps the whole text pass simple to reason about.
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  cairo_surface_t* surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, img.width, img.height);
  if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS) throw Error("cairo: cannot create an image surface");
  to_surface(img, surf);
  cairo_t* cr = cairo_create(surf);
  cairo_font_options_t* fo = cairo_font_options_create();
  cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
  cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
  cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
  cairo_set_font_options(cr, fo);
  cairo_font_options_destroy(fo);
  cairo_set_font_face(cr, font_face(st.font));

  // Stack the regions in rows or side by side, whichever lets the smallest text be larger.
  const int n = static_cast<int>(texts.size());
  std::vector<Cell> layout;
  std::vector<Shaped> placed;
  double best = -1;
  for (bool rows : {true, false}) {
    if (n == 1 && !rows) break;
    auto cs = cells(n, rows, img.width, img.height);
    std::vector<Shaped> ps;
    double smallest = 1e9;
    for (int i = 0; i < n; ++i) {
      ps.push_back(fit(cr, texts[static_cast<size_t>(i)], cs[static_cast<size_t>(i)], st.size));
      smallest = std::min(smallest, ps.back().size);
    }
    if (smallest > best) {
      best = smallest;
      layout = cs;
      placed = ps;
    }
  }

  std::vector<Box> boxes;
  cairo_set_source_rgb(cr, st.color.rgb[0] / 255.0, st.color.rgb[1] / 255.0, st.color.rgb[2] / 255.0);
  for (int i = 0; i < n; ++i) {
    const Cell& c = layout[static_cast<size_t>(i)];
    const Shaped& p = placed[static_cast<size_t>(i)];
    const double slack_x = std::max(0.0, c.w - 2 * kPad - 1 - p.ext.width);
    const double slack_y = std::max(0.0, c.h - 2 * kPad - 1 - p.ext.height);
    const double fx = st.fx >= 0 ? st.fx : rng.uniform(), fy = st.fy >= 0 ? st.fy : rng.uniform();
    // Whole-pixel origin that puts the ink's top-left corner at the jittered spot.
    const double ox =
        st.fixed_origin ? std::round(c.x0 + kPad) : std::round(c.x0 + kPad + fx * slack_x - p.ext.x_bearing);
    const double oy = std::round(c.y0 + kPad + fy * slack_y - p.ext.y_bearing);
    std::vector<cairo_glyph_t> glyphs = p.glyphs;
    for (auto& g : glyphs) {
      g.x += ox;
      g.y += oy;
    }
    cairo_set_font_size(cr, p.size);
    cairo_show_glyphs(cr, glyphs.data(), static_cast<int>(glyphs.size()));
    const double ix = ox + p.ext.x_bearing, iy = oy + p.ext.y_bearing;
    Box b = {static_cast<int>(std::floor(ix)), static_cast<int>(std::floor(iy)),
             static_cast<int>(std::ceil(ix + p.ext.width)), static_cast<int>(std::ceil(iy + p.ext.height))};
    b[0] = std::clamp(b[0], 0, img.width - 1);
    b[1] = std::clamp(b[1], 0, img.height - 1);
    b[2] = std::clamp(b[2], b[0] + 1, img.width);
    b[3] = std::clamp(b[3], b[1] + 1, img.height);
    boxes.push_back(b);
  }
  cairo_status_t status = cairo_status(cr);
  cairo_destroy(cr);
  from_surface(surf, img);
  cairo_surface_destroy(surf);
  if (status != CAIRO_STATUS_SUCCESS) throw Error(std::string("cairo: ") + cairo_status_to_string(status));
  return boxes;
}

std::string random_letters(Rng& rng) {
  while (true) {
    std::string s;
    int len = rng.range(3, 8);
    for (int i = 0; i < len; ++i) s += static_cast<char>('a' + rng.range(0, 25));
    if (!is_known_word(s)) return s;  // a random string must never leak a (held-out) dictionary word
  }
}

std::string apply_case(std::string s, Rng& rng, double uppercase_prob) {
  if (rng.chance(uppercase_prob)) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  } else if (rng.chance(0.5)) {
    bool start = true;
    for (auto& c : s) {
      if (start) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      start = c == ' ';
    }
  }
  return s;
}

std::vector<std::string> random_texts(const RenderOptions& o, Rng& rng, bool heldout) {
  const auto& pool = words(heldout);
  int regions = rng.range(1, o.max_regions);
  std::vector<std::string> used, texts;
  for (int r = 0; r < regions; ++r) {
    std::string text;
    const auto too_long = [&](const std::string& t) {
      return o.max_chars > 0 && static_cast<int>(t.size()) > o.max_chars;
    };
    if (rng.chance(o.random_string_prob)) {
      do text = random_letters(rng);
      while (too_long(text));
    } else {
      int n = rng.range(o.min_words, o.max_words);
      for (int i = 0; i < n; ++i) {
        std::string w = rng.pick(pool);
        for (int retry = 0; retry < 64 && (std::find(used.begin(), used.end(), w) != used.end() ||
                                            too_long(text + (i ? " " : "") + w));
             ++retry)
          w = rng.pick(pool);
        if (i > 0 && too_long(text + " " + w)) break;  // no word short enough is left: end the phrase here
        used.push_back(w);
        text += (i ? " " : "") + w;
      }
    }
    texts.push_back(apply_case(text, rng, o.uppercase_prob));
  }
  return texts;
}

Style random_style(const RenderOptions& o, Rng& rng) {
  Style st;
  st.bg = random_background(rng);
  st.color = pick_text_color(st.bg, rng, o.min_contrast);
  st.font = static_cast<size_t>(rng.range(0, static_cast<int>(font_list().size()) - 1));
  st.size = rng.uniform(o.font_size_min, o.font_size_max);
  return st;
}

// Plain and Mono: black on white at font_size_max; Plain centres DejaVu Sans, Mono left-aligns DejaVu Sans Mono Bold.
Style fixed_style(const RenderOptions& o, RenderStyle style) {
  Style st;
  st.bg.base = palette()[1];  // white
  st.bg.base.rgb = {255, 255, 255};
  st.bg.other = st.bg.base.rgb;
  st.color = palette()[0];  // black
  st.color.rgb = {0, 0, 0};
  const bool mono = style == RenderStyle::Mono;
  st.font = mono ? 5 : 0;
  st.size = o.font_size_max;
  st.fx = mono ? 0.0 : 0.5;
  st.fy = 0.5;
  st.fixed_origin = mono;
  return st;
}

Style pick_style(const RenderOptions& o, RenderStyle style, Rng& rng) {
  return style == RenderStyle::Random ? random_style(o, rng) : fixed_style(o, style);
}

RenderedSample compose(const RenderOptions& o, const std::vector<std::string>& texts, const Style& st, Rng& rng) {
  if (texts.empty()) throw Error("render: no text to draw");
  RenderedSample s;
  s.image = Image(o.width, o.height);
  paint_background(s.image, st.bg, rng);
  s.record.texts = texts;
  s.record.boxes = draw_texts(s.image, texts, st, rng);
  s.record.prompt = make_prompt(texts, {st.color.name, st.bg.base.name, font_list()[st.font].style}, rng);
  return s;
}

}  // namespace

RenderedSample render_sample(const RenderOptions& o, uint64_t seed, bool heldout) {
  Rng rng(seed);
  auto texts = random_texts(o, rng, heldout);
  Style st = pick_style(o, o.style, rng);
  return compose(o, texts, st, rng);
}

RenderedSample render_texts(const RenderOptions& o, const std::vector<std::string>& texts, uint64_t seed,
                            RenderStyle style) {
  Rng rng(seed);
  Style st = pick_style(o, style, rng);
  return compose(o, texts, st, rng);
}

RenderedSample render_prompt(const RenderOptions& o, const std::string& prompt, uint64_t seed, RenderStyle style) {
  auto texts = quoted_texts(prompt);
  if (texts.empty()) throw Error("render: the prompt quotes no text: " + prompt);
  for (const auto& t : texts)
    if (t.find_first_not_of(" \t") == std::string::npos)
      throw Error("render: the prompt quotes an empty text: " + prompt);
  RenderedSample s = render_texts(o, texts, seed, style);
  s.record.prompt = prompt;
  return s;
}

}  // namespace varrl
