#include "varrl/data/image_folder.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "varrl/core/error.h"

namespace varrl {

namespace fs = std::filesystem;

namespace {

std::string locate_prompts(const std::string& source) {
  if (!fs::exists(source)) throw Error(source + ": no such file or folder");
  if (!fs::is_directory(source)) return source;
  for (const char* name : {"prompts.jsonl", "captions.jsonl"}) {
    fs::path p = fs::path(source) / name;
    if (fs::exists(p)) return p.string();
  }
  throw Error(source + ": folder has neither prompts.jsonl nor captions.jsonl");
}

// Line numbers of the non-blank lines, which is how read_prompts() counts rows.
std::vector<int> row_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<int> lines;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") != std::string::npos) lines.push_back(n);
  }
  return lines;
}

}  // namespace

std::vector<Box> scale_boxes(const std::vector<Box>& boxes, int w0, int h0, int w1, int h1) {
  std::vector<Box> out;
  const double sx = static_cast<double>(w1) / w0, sy = static_cast<double>(h1) / h0;
  for (const Box& b : boxes) {
    Box s = {static_cast<int>(std::floor(b[0] * sx + 1e-9)), static_cast<int>(std::floor(b[1] * sy + 1e-9)),
             static_cast<int>(std::ceil(b[2] * sx - 1e-9)), static_cast<int>(std::ceil(b[3] * sy - 1e-9))};
    s[0] = std::clamp(s[0], 0, w1 - 1);
    s[1] = std::clamp(s[1], 0, h1 - 1);
    s[2] = std::clamp(s[2], s[0] + 1, w1);
    s[3] = std::clamp(s[3], s[1] + 1, h1);
    out.push_back(s);
  }
  return out;
}

ImageFolder::ImageFolder(const std::string& source, int width, int height)
    : file_(locate_prompts(source)), width_(width), height_(height) {
  if ((width > 0) != (height > 0)) throw Error(source + ": give both image width and height, or neither");
  rows_ = read_prompts(file_);
  lines_ = row_lines(file_);
  if (lines_.size() != rows_.size()) lines_.assign(rows_.size(), 0);  // cannot happen; keeps where() safe
  for (size_t i = 0; i < rows_.size(); ++i) {
    const PromptRecord& r = rows_[i];
    if (r.image.empty()) throw Error(where(i) + ": row has no \"image\" field");
    std::string p = image_path(file_, r);
    if (!fs::is_regular_file(p)) throw Error(where(i) + ": image not found: " + p);
  }
}

std::string ImageFolder::where(size_t i) const { return file_ + ":" + std::to_string(lines_.at(i)); }

LoadedSample ImageFolder::load(size_t i) const {
  LoadedSample s;
  s.record = rows_.at(i);
  s.path = image_path(file_, s.record);
  try {
    s.image = read_png(s.path);
  } catch (const Error& e) {
    throw Error(where(i) + ": " + e.what());
  }
  if (width_ > 0 && (s.image.width != width_ || s.image.height != height_)) {
    s.record.boxes = scale_boxes(s.record.boxes, s.image.width, s.image.height, width_, height_);
    s.image = resize(s.image, width_, height_);
  }
  return s;
}

std::vector<LoadedSample> ImageFolder::load_all() const {
  std::vector<LoadedSample> out;
  out.reserve(rows_.size());
  for (size_t i = 0; i < rows_.size(); ++i) out.push_back(load(i));
  return out;
}

}  // namespace varrl
