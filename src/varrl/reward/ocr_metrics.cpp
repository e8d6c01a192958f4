#include "varrl/reward/ocr_metrics.h"

#include <algorithm>

#include "varrl/reward/ocr_scores.h"
#include "varrl/reward/text_distance.h"

namespace varrl {

double word_accuracy(const std::vector<std::string>& texts, const std::vector<WordBox>& ocr_words) {
  const auto gt = ground_truth_words(texts);
  if (gt.empty()) return 0.0;
  std::vector<std::string> pool;
  for (const auto& w : ocr_words) pool.push_back(to_lower(w.text));
  size_t found = 0;
  for (const auto& g : gt) {
    auto it = std::find(pool.begin(), pool.end(), g);
    if (it != pool.end()) {
      ++found;
      pool.erase(it);
    }
  }
  return static_cast<double>(found) / static_cast<double>(gt.size());
}

namespace {
// The ground-truth words and the OCR words, each lower-cased and joined by single spaces.
std::string joined_ground_truth(const std::vector<std::string>& texts) {
  std::string gt;
  for (const auto& w : ground_truth_words(texts)) gt += (gt.empty() ? "" : " ") + w;
  return gt;
}
std::string joined_ocr(const std::vector<WordBox>& ocr_words) {
  std::string ocr;
  for (const auto& w : ocr_words) ocr += (ocr.empty() ? "" : " ") + to_lower(w.text);
  return ocr;
}
}  // namespace

double ned(const std::vector<std::string>& texts, const std::vector<WordBox>& ocr_words) {
  const std::string gt = joined_ground_truth(texts), ocr = joined_ocr(ocr_words);
  const size_t longest = std::max(text_length(gt), text_length(ocr));
  if (longest == 0) return 1.0;
  return 1.0 - static_cast<double>(levenshtein(gt, ocr)) / static_cast<double>(longest);
}

void OcrMetrics::add(const std::vector<std::string>& texts, const std::vector<WordBox>& ocr_words) {
  word_accuracy_sum += varrl::word_accuracy(texts, ocr_words);
  ned_sum += varrl::ned(texts, ocr_words);
  ++count;
  const std::string gt = joined_ground_truth(texts), ocr = joined_ocr(ocr_words);
  if (gt.empty() || gt.size() != ocr.size()) return;
  ++same_length;
  if (letter_count_K.size() < gt.size()) letter_count_K.resize(gt.size()), letter_hits_K.resize(gt.size());
  for (size_t k = 0; k < gt.size(); ++k) ++letter_count_K[k], letter_hits_K[k] += gt[k] == ocr[k];
}

std::vector<double> OcrMetrics::letter_accuracy_by_position() const {
  std::vector<double> acc_K;
  for (size_t k = 0; k < letter_count_K.size(); ++k)
    acc_K.push_back(static_cast<double>(letter_hits_K[k]) / static_cast<double>(letter_count_K[k]));
  return acc_K;
}

}  // namespace varrl
