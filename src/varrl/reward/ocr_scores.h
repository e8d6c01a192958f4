// The two OCR reward formulas, as pure functions of the prompt's texts and what OCR read (no Tesseract here).
//
// ocr_ned (Flow-GRPO): t = the text between the first pair of double quotes of the prompt, o = all OCR text, both
//   lower-cased with every space removed; d = 0 if t is a substring of o, else Levenshtein(o, t); d = min(d, |t|);
//   r = 1 - d / |t|. In [0, 1].
// ocr_paper (arXiv 2601.02256, several quoted texts): G = the ground-truth words (all quoted texts split on spaces),
//   P = the OCR words with confidences s in [0, 1], all lower-cased, N = |G|;
//   LD(x, y) = 1 - EditDist(x, y) / (max(|x|, |y|) + eps);
//   Comp = (1/N) sum_g 1{g in P} * min{s_p : p == g};
//   Sim  = (1/N) sum_g LD(g, p*) * s*, p* = argmax_p LD(g, p) (ties: the more confident), s* its confidence;
//   Pen  = penalty * BagDist(concat P, concat G) / (total characters of G), concat = the words in order, no spaces;
//   R = Comp + Sim - Pen. In [-penalty * max(1, |concat P| / |concat G|), 2]; no words read gives -penalty.
#pragma once
#include <string>
#include <vector>

#include "varrl/reward/word_box.h"

namespace varrl {

// The ocr_ned target of a prompt: its first double-quoted text, lower-cased, spaces removed ("" if it quotes none).
std::string ocr_ned_target(const std::string& prompt);
// ocr_ned from the target (as returned above) and the raw OCR text. An empty target scores 0.
double ocr_ned_score(const std::string& target, const std::string& ocr_text);

struct PaperScore {
  double comp = 0, sim = 0, pen = 0, reward = 0;
};
// ocr_paper from the prompt's texts and the OCR words. No ground-truth words scores 0.
PaperScore ocr_paper_score(const std::vector<std::string>& texts, const std::vector<WordBox>& ocr_words,
                           double penalty = 0.6, double eps = 1e-6);

// Lower-cased words of the texts, split on whitespace.
std::vector<std::string> ground_truth_words(const std::vector<std::string>& texts);

}  // namespace varrl
