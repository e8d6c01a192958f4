// A user's image folder: a prompts/captions .jsonl (the format of data/prompt_record.h, image paths relative to the
// .jsonl's folder) with one PNG per row. Images are loaded on demand and resized to the configured size; errors for a
// missing or corrupt image name the .jsonl file and line.
#pragma once
#include <string>
#include <vector>

#include "varrl/core/image.h"
#include "varrl/data/prompt_record.h"

namespace varrl {

struct LoadedSample {
  Image image;
  PromptRecord record;  // boxes scaled with the image
  std::string path;     // the image file as opened
};

class ImageFolder {
 public:
  // `source`: a .jsonl file, or a folder holding prompts.jsonl (or captions.jsonl). width/height > 0 resize every
  // image (and its boxes) to that size; 0 keeps each image's own size. Reads the rows and checks that every image
  // file exists (without decoding it); throws varrl::Error naming file and line otherwise.
  ImageFolder(const std::string& source, int width = 0, int height = 0);

  size_t size() const { return rows_.size(); }
  const std::string& prompts_file() const { return file_; }
  const PromptRecord& record(size_t i) const { return rows_.at(i); }
  // Decodes (and resizes) image i.
  LoadedSample load(size_t i) const;
  std::vector<LoadedSample> load_all() const;

 private:
  std::string where(size_t i) const;  // "FILE:LINE"
  std::string file_;
  int width_, height_;
  std::vector<PromptRecord> rows_;
  std::vector<int> lines_;  // 1-based line of each row
};

// Scales pixel boxes from a (w0 x h0) image to (w1 x h1), rounding outwards and clamping inside the new image.
std::vector<Box> scale_boxes(const std::vector<Box>& boxes, int w0, int h0, int w1, int h1);

}  // namespace varrl
