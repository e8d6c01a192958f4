// Evaluation metrics in the style of CVTG-2K, per image (average them over a held-out set):
//   word_accuracy: the fraction of ground-truth words (all quoted texts split on spaces, lower-cased) found exactly
//     among the OCR words (lower-cased; each OCR word can match one ground-truth word);
//   ned: normalised edit similarity 1 - Levenshtein(gt, ocr) / max(|gt|, |ocr|) between the ground-truth texts and the
//     OCR text (each lower-cased, words joined by single spaces); 1 when both are empty.
#pragma once
#include <string>
#include <vector>

#include "varrl/reward/word_box.h"

namespace varrl {

double word_accuracy(const std::vector<std::string>& texts, const std::vector<WordBox>& ocr_words);
double ned(const std::vector<std::string>& texts, const std::vector<WordBox>& ocr_words);

// Running means of both metrics over images.
struct OcrMetrics {
  double word_accuracy_sum = 0, ned_sum = 0;
  long count = 0;
  void add(const std::vector<std::string>& texts, const std::vector<WordBox>& ocr_words);
  double word_accuracy() const { return count ? word_accuracy_sum / static_cast<double>(count) : 0.0; }
  double ned() const { return count ? ned_sum / static_cast<double>(count) : 0.0; }
};

}  // namespace varrl
