#include "varrl/reward/ocr_reward.h"

#include "varrl/core/error.h"
#include "varrl/reward/ocr_scores.h"
#include "varrl/reward/text_distance.h"

namespace varrl {

OcrReward::OcrReward(const OcrPoolOptions& pool, double ned_weight, double paper_weight, double penalty, double eps)
    : pool_(pool), ned_w_(ned_weight), paper_w_(paper_weight), penalty_(penalty), eps_(eps) {
  if (ned_w_ == 0 && paper_w_ == 0) throw Error("OCR reward: both ocr_ned and ocr_paper have weight 0");
}

std::string OcrReward::name() const {
  if (paper_w_ == 0) return "ocr_ned";
  if (ned_w_ == 0) return "ocr_paper";
  return "ocr_ned+ocr_paper";
}

std::vector<RewardResult> OcrReward::score(const std::vector<Image>& images,
                                           const std::vector<PromptRecord>& prompts) {
  check_batch(name(), images, prompts);
  const auto read = pool_.read(images);
  std::vector<RewardResult> out(images.size());
  for (size_t i = 0; i < images.size(); ++i) {
    RewardResult& r = out[i];
    r.words = read[i].words;
    r.ocr = true;
    const PromptRecord& p = prompts[i];
    if (ned_w_ != 0) {
      // The prompt's first quoted text; a row without quotes falls back to its first listed text.
      std::string target = ocr_ned_target(p.prompt);
      if (target.empty() && !p.texts.empty()) target = remove_spaces(to_lower(p.texts[0]));
      r.parts["ocr_ned"] = ocr_ned_score(target, read[i].text());
      r.reward += ned_w_ * r.parts["ocr_ned"];
    }
    if (paper_w_ != 0) {
      const auto& texts = p.texts.empty() ? quoted_texts(p.prompt) : p.texts;
      r.parts["ocr_paper"] = ocr_paper_score(texts, read[i].words, penalty_, eps_).reward;
      r.reward += paper_w_ * r.parts["ocr_paper"];
    }
  }
  return out;
}

}  // namespace varrl
