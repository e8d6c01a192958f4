#include "varrl/core/image.h"

#include <png.h>

#include <algorithm>
#include <cmath>
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

namespace varrl {

namespace {

// One output sample along an axis: source indices [first, first + weights.size()) with these weights (sum 1).
struct Taps {
  int first = 0;
  std::vector<float> weights;
};

std::vector<Taps> axis_taps(int src, int dst) {
  std::vector<Taps> out(static_cast<size_t>(dst));
  const double scale = static_cast<double>(src) / dst;
  for (int i = 0; i < dst; ++i) {
    Taps& t = out[static_cast<size_t>(i)];
    if (src == dst) {
      t.first = i;
      t.weights = {1.f};
    } else if (scale > 1.0) {  // shrinking: average the source interval [i*scale, (i+1)*scale)
      double a = i * scale, b = (i + 1) * scale;
      int lo = static_cast<int>(std::floor(a)), hi = std::min(src, static_cast<int>(std::ceil(b)));
      t.first = lo;
      for (int k = lo; k < hi; ++k) {
        double overlap = std::min(b, k + 1.0) - std::max(a, static_cast<double>(k));
        t.weights.push_back(static_cast<float>(overlap / scale));
      }
    } else {  // growing: linear interpolation between the two nearest source centres
      double c = (i + 0.5) * scale - 0.5;
      c = std::clamp(c, 0.0, static_cast<double>(src - 1));
      int lo = static_cast<int>(std::floor(c));
      int hi = std::min(lo + 1, src - 1);
      float f = static_cast<float>(c - lo);
      t.first = lo;
      t.weights = hi == lo ? std::vector<float>{1.f} : std::vector<float>{1.f - f, f};
    }
  }
  return out;
}

}  // namespace

Image resize(const Image& src, int w, int h) {
  if (src.width <= 0 || src.height <= 0) throw Error("resize: empty source image");
  if (w <= 0 || h <= 0) throw Error("resize: bad target size " + std::to_string(w) + "x" + std::to_string(h));
  if (w == src.width && h == src.height) return src;
  const auto tx = axis_taps(src.width, w), ty = axis_taps(src.height, h);
  // Horizontal pass into floats (src.height x w), then vertical pass into bytes.
  std::vector<float> tmp(static_cast<size_t>(src.height) * w * 3);
  for (int y = 0; y < src.height; ++y)
    for (int x = 0; x < w; ++x) {
      const Taps& t = tx[static_cast<size_t>(x)];
      float acc[3] = {0, 0, 0};
      for (size_t k = 0; k < t.weights.size(); ++k) {
        const uint8_t* p = src.px(t.first + static_cast<int>(k), y);
        for (int c = 0; c < 3; ++c) acc[c] += t.weights[k] * p[c];
      }
      float* o = &tmp[(static_cast<size_t>(y) * w + x) * 3];
      for (int c = 0; c < 3; ++c) o[c] = acc[c];
    }
  Image out(w, h);
  for (int y = 0; y < h; ++y) {
    const Taps& t = ty[static_cast<size_t>(y)];
    for (int x = 0; x < w; ++x) {
      float acc[3] = {0, 0, 0};
      for (size_t k = 0; k < t.weights.size(); ++k) {
        const float* p = &tmp[(static_cast<size_t>(t.first + static_cast<int>(k)) * w + x) * 3];
        for (int c = 0; c < 3; ++c) acc[c] += t.weights[k] * p[c];
      }
      uint8_t* o = out.px(x, y);
      for (int c = 0; c < 3; ++c) o[c] = static_cast<uint8_t>(std::clamp(std::lround(acc[c]), 0L, 255L));
    }
  }
  return out;
}

std::vector<uint8_t> to_gray(const Image& img) {
  std::vector<uint8_t> g(static_cast<size_t>(img.width) * img.height);
  for (size_t i = 0; i < g.size(); ++i) {
    const uint8_t* p = &img.rgb[i * 3];
    g[i] = static_cast<uint8_t>((299 * p[0] + 587 * p[1] + 114 * p[2] + 500) / 1000);
  }
  return g;
}

}  // namespace varrl
