// Evaluation metrics in the style of CVTG-2K, per image (average them over a held-out set):
//   word_accuracy: the fraction of ground-truth words (all quoted texts split on spaces, lower-cased) found exactly
//     among the OCR words (lower-cased; each OCR word can match one ground-truth word);
//   ned: normalised edit similarity 1 - Levenshtein(gt, ocr) / max(|gt|, |ocr|) between the ground-truth texts and the
//     OCR text (each lower-cased, words joined by single spaces); 1 when both are empty.
// And a diagnostic of which letters go wrong: letter accuracy by position, over the images whose OCR text has as many
// characters as the ground truth (so position k compares letter k with letter k).
#pragma once
#include <string>
#include <vector>

#include "varrl/reward/word_box.h"

namespace varrl {

double word_accuracy(const std::vector<std::string>& texts, const std::vector<WordBox>& ocr_words);
double ned(const std::vector<std::string>& texts, const std::vector<WordBox>& ocr_words);

// Running means of the metrics over images.
struct OcrMetrics {
  double word_accuracy_sum = 0, ned_sum = 0;
  long count = 0, same_length = 0;
  std::vector<long> letter_hits_K, letter_count_K;  // same-length images: letter k right / present
  void add(const std::vector<std::string>& texts, const std::vector<WordBox>& ocr_words);
  double word_accuracy() const { return count ? word_accuracy_sum / static_cast<double>(count) : 0.0; }
  double ned() const { return count ? ned_sum / static_cast<double>(count) : 0.0; }
  double same_length_fraction() const { return count ? static_cast<double>(same_length) / count : 0.0; }
  std::vector<double> letter_accuracy_by_position() const;  // hits / count at each position k
};

}  // namespace varrl
