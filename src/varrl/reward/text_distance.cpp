#include "varrl/reward/text_distance.h"

#include <algorithm>
#include <unordered_map>
#include <vector>

namespace varrl {

std::u32string utf8_to_u32(const std::string& s) {
  std::u32string out;
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
    if (c >= 0x80 && c < 0xC0) extra = -1;  // stray continuation byte
    bool ok = extra >= 0 && i + static_cast<size_t>(extra) < s.size();
    char32_t cp = extra > 0 ? (c & (0x3F >> extra)) : c;
    for (int k = 1; ok && k <= extra; ++k) {
      const auto d = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
      if ((d & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (d & 0x3F);
    }
    if (!ok) {  // an invalid byte stands for itself
      out.push_back(0xDC00 + c);
      ++i;
      continue;
    }
    out.push_back(cp);
    i += static_cast<size_t>(extra) + 1;
  }
  return out;
}

size_t text_length(const std::string& s) { return utf8_to_u32(s).size(); }

std::string to_lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string remove_spaces(const std::string& s) {
  std::string out;
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') out += c;
  return out;
}

size_t levenshtein(const std::string& a8, const std::string& b8) {
  const std::u32string a = utf8_to_u32(a8), b = utf8_to_u32(b8);
  if (a.empty()) return b.size();
  if (b.empty()) return a.size();
  // One row of the dynamic programme: row[j] = distance between a[0..i) and b[0..j).
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];  // distance(a[0..i-1), b[0..j-1))
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

double edit_similarity(const std::string& a, const std::string& b, double eps) {
  const double longest = static_cast<double>(std::max(text_length(a), text_length(b)));
  return 1.0 - static_cast<double>(levenshtein(a, b)) / (longest + eps);
}

size_t bag_distance(const std::string& a8, const std::string& b8) {
  std::unordered_map<char32_t, long> count;  // symbols of a minus symbols of b
  for (char32_t c : utf8_to_u32(a8)) ++count[c];
  for (char32_t c : utf8_to_u32(b8)) --count[c];
  size_t only_a = 0, only_b = 0;
  for (const auto& kv : count) {
    if (kv.second > 0) only_a += static_cast<size_t>(kv.second);
    if (kv.second < 0) only_b += static_cast<size_t>(-kv.second);
  }
  return std::max(only_a, only_b);
}

}  // namespace varrl
