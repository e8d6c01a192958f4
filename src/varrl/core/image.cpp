#include "varrl/core/image.h"

#include <png.h>

#include <cstdio>
#include <cstring>

#include "varrl/core/atomic_file.h"
#include "varrl/core/error.h"

namespace varrl {

Image read_png(const std::string& path) {
  png_image img;
  std::memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&img, path.c_str()))
    throw Error(path + ": cannot read PNG (" + img.message + ")");
  img.format = PNG_FORMAT_RGB;
  Image out(static_cast<int>(img.width), static_cast<int>(img.height));
  if (!png_image_finish_read(&img, nullptr, out.rgb.data(), 0, nullptr)) {
    std::string msg = img.message;
    png_image_free(&img);
    throw Error(path + ": corrupt PNG (" + msg + ")");
  }
  return out;
}

std::string encode_png(const Image& im) {
  png_image img;
  std::memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  img.width = static_cast<png_uint_32>(im.width);
  img.height = static_cast<png_uint_32>(im.height);
  img.format = PNG_FORMAT_RGB;
  png_alloc_size_t size = 0;
  if (!png_image_write_to_memory(&img, nullptr, &size, 0, im.rgb.data(), 0, nullptr))
    throw Error(std::string("PNG encode failed: ") + img.message);
  std::string buf(size, '\0');
  if (!png_image_write_to_memory(&img, buf.data(), &size, 0, im.rgb.data(), 0, nullptr))
    throw Error(std::string("PNG encode failed: ") + img.message);
  buf.resize(size);
  return buf;
}

void write_png(const std::string& path, const Image& img) { write_file_atomic(path, encode_png(img)); }

void paste(Image& dst, const Image& src, int x0, int y0) {
  for (int y = 0; y < src.height; ++y) {
    int dy = y0 + y;
    if (dy < 0 || dy >= dst.height) continue;
    for (int x = 0; x < src.width; ++x) {
      int dx = x0 + x;
      if (dx < 0 || dx >= dst.width) continue;
      std::memcpy(dst.px(dx, dy), src.px(x, y), 3);
    }
  }
}

}  // namespace varrl
