// An in-process Tesseract (LSTM) reader: one TessBaseAPI initialised once, reused for every image. Small renders are
// upscaled, padded with their border colour and turned dark-on-light before recognition; word boxes come back in the
// caller's pixels. A (nearly) uniform image returns no words without running Tesseract. Not thread-safe: one engine
// per thread or process (OCR workers run one each with OMP_THREAD_LIMIT=1, see reward/ocr_pool.h).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "varrl/core/config.h"
#include "varrl/core/image.h"
#include "varrl/reward/word_box.h"

namespace tesseract {
class TessBaseAPI;
}

namespace varrl {

struct OcrOptions {
  int psm = 7;                // Tesseract page segmentation mode: 7 single line, 6 block, 13 raw line
  int upscale = 4;            // integer factor applied before recognition (bilinear)
  int pad = 8;                // pixels of border colour added on every side (after upscaling)
  bool dark_on_light = true;  // invert images whose border is darker than their text
  double min_std = 4.0;       // grey-level standard deviation below which an image counts as blank
  double min_conf = 0.0;      // words with confidence < min_conf (0..1) are dropped; 0 keeps every word
  std::string lang = "eng";
  std::string tessdata;       // folder holding <lang>.traineddata; "" = Tesseract's default

  // Reads reward.ocr.{psm, upscale, pad, dark_on_light, min_std, min_conf, lang, tessdata}.
  static OcrOptions from_config(const Config& cfg);
};

struct OcrResult {
  std::vector<WordBox> words;  // reading order
  std::string text() const { return join_words(words); }
};

class TesseractEngine {
 public:
  explicit TesseractEngine(const OcrOptions& opts);  // throws varrl::Error when Tesseract cannot initialise
  ~TesseractEngine();
  TesseractEngine(const TesseractEngine&) = delete;
  TesseractEngine& operator=(const TesseractEngine&) = delete;

  OcrResult read(const Image& img);
  const OcrOptions& options() const { return opts_; }

 private:
  OcrOptions opts_;
  std::unique_ptr<tesseract::TessBaseAPI> api_;
};

// Grey-level standard deviation of an image (0..127.5): the blank-image guard.
double gray_std(const Image& img);

}  // namespace varrl
