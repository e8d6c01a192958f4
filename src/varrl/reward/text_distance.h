// String distances of the OCR rewards and metrics, on Unicode code points (UTF-8 decoded; an invalid byte counts as
// one symbol), so that a non-ASCII character Tesseract returns is one edit, not two or three bytes.
#pragma once
#include <string>

namespace varrl {

// Decodes UTF-8 to code points.
std::u32string utf8_to_u32(const std::string& s);
// Number of code points.
size_t text_length(const std::string& s);
// ASCII lower-casing (other characters unchanged).
std::string to_lower(std::string s);
// `s` without any space characters (' ', tab, newline).
std::string remove_spaces(const std::string& s);

// Levenshtein distance: the fewest single-symbol insertions, deletions and substitutions turning a into b.
size_t levenshtein(const std::string& a, const std::string& b);
// The paper's LD(x, y) = 1 - EditDist(x, y) / (max(|x|, |y|) + eps): 1 for equal strings, 0 for nothing in common.
double edit_similarity(const std::string& a, const std::string& b, double eps = 1e-6);
// Bag distance: strings as multisets of symbols, max(|bag(a) - bag(b)|, |bag(b) - bag(a)|) (multiset differences).
// A lower bound of the Levenshtein distance that ignores order.
size_t bag_distance(const std::string& a, const std::string& b);

}  // namespace varrl
