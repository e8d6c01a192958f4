// Character credit — our extension of MP for single-line text (not in the paper; off by default, docs/rl.md).
// The OCR reward scores a whole image with one number, so GRPO tells every token of a sample the same thing even when
// OCR read all letters but one. With a monospaced line of text at a known box (render.style mono: letter k always
// in the same columns), the reward's own read-out says which letters came out right: the Levenshtein alignment of
// what OCR read against the target marks each target letter matched or not. Each letter's outcome is compared with
// the same letter in the other images of its group, and the tokens whose cells cover letter k's columns carry that
// per-letter advantage, blended with the image's GRPO advantage:
//   A_it = A_i · (1 − λ·cov_t) + λ · Σ_k M_tk · a_ik,   a_ik = (c_ik − mean_j c_jk) / (pooled std + ε)
// where c_ik ∈ {0, 1} (letter k of image i read right), M_tk the fraction of token t's cell covered by letter k's
// column box, cov_t = Σ_k M_tk, and λ = rl.char_credit (0 = off: plain GRPO advantages).
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

#include "varrl/data/prompt_record.h"
#include "varrl/tokenizer/tokenizer_config.h"

namespace varrl {

// Per symbol of `target`: 1 when an optimal Levenshtein alignment of `read` to `target` matches it exactly, else 0
// (substituted or deleted). Both strings are compared lower-cased without spaces, as the OCR rewards do.
std::vector<double> matched_symbols(const std::string& target, const std::string& read);

// M_LK: for every token (all scales, coarse → fine, flattened to L) the fraction of its cell covered by each of the
// `n` equal-width column boxes that split `box` (symbol k of a monospaced line), for an image_h × image_w image.
torch::Tensor symbol_overlap_LK(const Box& box, int n, int image_h, int image_w, const std::vector<Scale>& patch_nums);

// Per-symbol advantages within one group: c_GK (images × symbols, 0/1) → (c − mean over images) divided by the
// pooled unbiased standard deviation sqrt(Σ (c − mean)² / ((G − 1)·K)) (+ eps), clipped to ±clip (0 = off). All
// zeros when every image got every symbol equally right.
torch::Tensor symbol_advantages(const torch::Tensor& c_GK, double eps, double clip);

// The blend above for one group: A_G (GRPO advantages), a_GK, M_LK, λ → A_GL.
torch::Tensor char_credit_advantages(const torch::Tensor& A_G, const torch::Tensor& a_GK, const torch::Tensor& M_LK,
                                     double lambda);

}  // namespace varrl
