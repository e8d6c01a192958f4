#include "varrl/core/grid.h"

#include <cairo.h>

#include <algorithm>
#include <cstring>

namespace varrl {

static Image zoomed(const Image& src, int z) {
  Image out(src.width * z, src.height * z);
  for (int y = 0; y < out.height; ++y)
    for (int x = 0; x < out.width; ++x) std::memcpy(out.px(x, y), src.px(x / z, y / z), 3);
  return out;
}

// Renders `text` in dark grey on white into a w × h strip.
static Image caption_strip(const std::string& text, int w, int h) {
  cairo_surface_t* surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
  cairo_t* cr = cairo_create(surf);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, std::max(8, h - 8));
  cairo_move_to(cr, 4, h - 5);
  cairo_show_text(cr, text.c_str());
  cairo_surface_flush(surf);
  Image out(w, h);
  const unsigned char* data = cairo_image_surface_get_data(surf);
  const int stride = cairo_image_surface_get_stride(surf);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      uint32_t px;
      std::memcpy(&px, data + y * stride + x * 4, 4);
      uint8_t* d = out.px(x, y);
      d[0] = (px >> 16) & 0xff, d[1] = (px >> 8) & 0xff, d[2] = px & 0xff;
    }
  cairo_destroy(cr);
  cairo_surface_destroy(surf);
  return out;
}

Image make_grid(const std::vector<GridRow>& rows, int zoom, int pad) {
  const int cap_h = 18;
  int width = 0, height = pad;
  for (const auto& r : rows) {
    int w = pad, h = 0;
    for (const auto& im : r.images) w += im.width * zoom + pad, h = std::max(h, im.height * zoom);
    width = std::max(width, w);
    height += h + cap_h + pad;
  }
  Image grid(std::max(width, 64), height, 255);
  int y = pad;
  for (const auto& r : rows) {
    int x = pad, h = 0;
    for (const auto& im : r.images) {
      paste(grid, zoomed(im, zoom), x, y);
      x += im.width * zoom + pad;
      h = std::max(h, im.height * zoom);
    }
    paste(grid, caption_strip(r.caption, grid.width - 2 * pad, cap_h), pad, y + h);
    y += h + cap_h + pad;
  }
  return grid;
}

}  // namespace varrl
