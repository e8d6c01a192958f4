// An 8-bit RGB image (torch-free) and PNG I/O through libpng.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace varrl {

struct Image {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;  // height * width * 3, row-major
  Image() = default;
  Image(int w, int h, uint8_t fill = 255) : width(w), height(h), rgb(static_cast<size_t>(w) * h * 3, fill) {}
  uint8_t* px(int x, int y) { return &rgb[(static_cast<size_t>(y) * width + x) * 3]; }
  const uint8_t* px(int x, int y) const { return &rgb[(static_cast<size_t>(y) * width + x) * 3]; }
};

Image read_png(const std::string& path);                       // any PNG, converted to 8-bit RGB
std::string encode_png(const Image& img);                      // PNG bytes
void write_png(const std::string& path, const Image& img);     // atomic

// Pastes `src` into `dst` at (x, y), clipped.
void paste(Image& dst, const Image& src, int x, int y);

// Resizes to w x h, each axis on its own: area averaging where it shrinks, bilinear (pixel centres aligned) where it
// grows, a copy where it keeps its size. Throws varrl::Error for an empty source or a non-positive target size.
Image resize(const Image& src, int w, int h);

// Luma (BT.601, 0..255) of every pixel, row-major.
std::vector<uint8_t> to_gray(const Image& img);

}  // namespace varrl
