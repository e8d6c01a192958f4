#include "varrl/reward/ocr_scores.h"

#include <algorithm>
#include <sstream>

#include "varrl/data/prompt_record.h"
#include "varrl/reward/text_distance.h"

namespace varrl {

std::string ocr_ned_target(const std::string& prompt) {
  const auto quoted = quoted_texts(prompt);
  return quoted.empty() ? "" : remove_spaces(to_lower(quoted[0]));
}

double ocr_ned_score(const std::string& target, const std::string& ocr_text) {
  const size_t len = text_length(target);
  if (len == 0) return 0.0;
  const std::string o = remove_spaces(to_lower(ocr_text));
  size_t d = o.find(target) != std::string::npos ? 0 : levenshtein(o, target);
  d = std::min(d, len);
  return 1.0 - static_cast<double>(d) / static_cast<double>(len);
}

std::vector<std::string> ground_truth_words(const std::vector<std::string>& texts) {
  std::vector<std::string> out;
  for (const auto& t : texts) {
    std::istringstream ss(to_lower(t));
    std::string w;
    while (ss >> w) out.push_back(w);
  }
  return out;
}

PaperScore ocr_paper_score(const std::vector<std::string>& texts, const std::vector<WordBox>& ocr_words,
                           double penalty, double eps) {
  PaperScore s;
  const auto gt = ground_truth_words(texts);
  if (gt.empty()) return s;
  std::vector<std::string> pred;
  std::vector<double> conf;
  for (const auto& w : ocr_words) {
    pred.push_back(to_lower(w.text));
    conf.push_back(std::clamp(static_cast<double>(w.conf), 0.0, 1.0));
  }
  const double n = static_cast<double>(gt.size());
  std::string concat_gt, concat_pred;
  for (const auto& g : gt) {
    concat_gt += g;
    double min_match_conf = -1;  // completeness: exact matches, weighted by their lowest confidence
    double best_ld = -1, best_conf = 0;  // similarity: the closest OCR word and its confidence
    for (size_t i = 0; i < pred.size(); ++i) {
      if (pred[i] == g) min_match_conf = min_match_conf < 0 ? conf[i] : std::min(min_match_conf, conf[i]);
      const double ld = edit_similarity(g, pred[i], eps);
      if (ld > best_ld || (ld == best_ld && conf[i] > best_conf)) {
        best_ld = ld;
        best_conf = conf[i];
      }
    }
    if (min_match_conf >= 0) s.comp += min_match_conf / n;
    if (best_ld >= 0) s.sim += best_ld * best_conf / n;
  }
  for (const auto& p : pred) concat_pred += p;
  s.pen = penalty * static_cast<double>(bag_distance(concat_pred, concat_gt)) /
          static_cast<double>(text_length(concat_gt));
  s.reward = s.comp + s.sim - s.pen;
  return s;
}

}  // namespace varrl
