#include "varrl/reward/tesseract_engine.h"

#include <tesseract/baseapi.h>
#include <tesseract/resultiterator.h>

#include <algorithm>
#include <cmath>

#include "varrl/core/error.h"

namespace varrl {

OcrOptions OcrOptions::from_config(const Config& cfg) {
  OcrOptions o;
  o.psm = cfg.get<int>("reward.ocr.psm");
  o.upscale = cfg.get<int>("reward.ocr.upscale");
  o.pad = cfg.get<int>("reward.ocr.pad");
  o.dark_on_light = cfg.get<bool>("reward.ocr.dark_on_light");
  o.min_std = cfg.get<double>("reward.ocr.min_std");
  o.min_conf = cfg.get<double>("reward.ocr.min_conf");
  o.lang = cfg.get<std::string>("reward.ocr.lang");
  o.tessdata = cfg.get<std::string>("reward.ocr.tessdata");
  if (o.psm < 3 || o.psm > 13) throw Error("config key 'reward.ocr.psm' must be a Tesseract layout mode in 3..13");
  if (o.upscale < 1 || o.upscale > 8) throw Error("config key 'reward.ocr.upscale' must be in 1..8");
  if (o.pad < 0) throw Error("config key 'reward.ocr.pad' must be >= 0");
  return o;
}

double gray_std(const Image& img) {
  const auto g = to_gray(img);
  if (g.empty()) return 0;
  double sum = 0, sq = 0;
  for (uint8_t v : g) {
    sum += v;
    sq += static_cast<double>(v) * v;
  }
  const double n = static_cast<double>(g.size()), mean = sum / n;
  return std::sqrt(std::max(0.0, sq / n - mean * mean));
}

namespace {

// Median grey level of the one-pixel frame of the image: the background's tone.
int border_median(const std::vector<uint8_t>& g, int w, int h) {
  std::vector<uint8_t> b;
  for (int x = 0; x < w; ++x) {
    b.push_back(g[static_cast<size_t>(x)]);
    b.push_back(g[static_cast<size_t>(h - 1) * w + x]);
  }
  for (int y = 0; y < h; ++y) {
    b.push_back(g[static_cast<size_t>(y) * w]);
    b.push_back(g[static_cast<size_t>(y) * w + w - 1]);
  }
  std::nth_element(b.begin(), b.begin() + static_cast<long>(b.size() / 2), b.end());
  return b[b.size() / 2];
}

}  // namespace

TesseractEngine::TesseractEngine(const OcrOptions& opts) : opts_(opts), api_(new tesseract::TessBaseAPI()) {
  std::vector<std::string> names = {"debug_file"}, values = {"/dev/null"};
  const char* datapath = opts_.tessdata.empty() ? nullptr : opts_.tessdata.c_str();
  if (api_->Init(datapath, opts_.lang.c_str(), tesseract::OEM_LSTM_ONLY, nullptr, 0, &names, &values, false) != 0)
    throw Error("Tesseract cannot load language '" + opts_.lang + "'" +
                (opts_.tessdata.empty() ? "" : " from " + opts_.tessdata) + " (install tesseract-ocr-eng)");
  api_->SetPageSegMode(static_cast<tesseract::PageSegMode>(opts_.psm));
}

TesseractEngine::~TesseractEngine() {
  if (api_) api_->End();
}

OcrResult TesseractEngine::read(const Image& img) {
  OcrResult out;
  if (img.width <= 0 || img.height <= 0 || gray_std(img) < opts_.min_std) return out;
  const int s = opts_.upscale, pad = opts_.pad;
  Image big = s == 1 ? img : resize(img, img.width * s, img.height * s);
  std::vector<uint8_t> g = to_gray(big);
  const int bw = big.width, bh = big.height;
  int bg = border_median(g, bw, bh);
  // Tesseract reads dark text on a light page best: invert when the background is the darker tone.
  if (opts_.dark_on_light) {
    double mean = 0;
    for (uint8_t v : g) mean += v;
    mean /= static_cast<double>(g.size());
    if (bg < mean) {
      for (auto& v : g) v = static_cast<uint8_t>(255 - v);
      bg = 255 - bg;
    }
  }
  const int pw = bw + 2 * pad, ph = bh + 2 * pad;
  std::vector<uint8_t> page(static_cast<size_t>(pw) * ph, static_cast<uint8_t>(bg));
  for (int y = 0; y < bh; ++y)
    std::copy_n(&g[static_cast<size_t>(y) * bw], bw, &page[static_cast<size_t>(y + pad) * pw + pad]);

  api_->SetImage(page.data(), pw, ph, 1, pw);
  api_->SetSourceResolution(300);
  if (api_->Recognize(nullptr) != 0) {
    api_->Clear();
    return out;
  }
  std::unique_ptr<tesseract::ResultIterator> it(api_->GetIterator());
  if (it) {
    do {
      std::unique_ptr<char[]> word(it->GetUTF8Text(tesseract::RIL_WORD));
      if (!word || word[0] == 0) continue;
      const float conf = it->Confidence(tesseract::RIL_WORD) / 100.f;
      if (conf < opts_.min_conf) continue;  // 0 keeps the confidence-0 words too (tests/data/conf0_finish.png)
      int l = 0, t = 0, r = 0, b = 0;
      if (!it->BoundingBox(tesseract::RIL_WORD, &l, &t, &r, &b)) continue;
      // Back from padded, upscaled page pixels to the caller's pixels (outwards rounding, clamped).
      Box box = {static_cast<int>(std::floor((l - pad) / static_cast<double>(s))),
                 static_cast<int>(std::floor((t - pad) / static_cast<double>(s))),
                 static_cast<int>(std::ceil((r - pad) / static_cast<double>(s))),
                 static_cast<int>(std::ceil((b - pad) / static_cast<double>(s)))};
      box[0] = std::clamp(box[0], 0, img.width - 1);
      box[1] = std::clamp(box[1], 0, img.height - 1);
      box[2] = std::clamp(box[2], box[0] + 1, img.width);
      box[3] = std::clamp(box[3], box[1] + 1, img.height);
      out.words.push_back({word.get(), conf, box});
    } while (it->Next(tesseract::RIL_WORD));
  }
  api_->Clear();
  return out;
}

}  // namespace varrl
