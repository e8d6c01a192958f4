// The OCR rewards: one OCR pass per image (reward/ocr_pool.h) feeding ocr_ned and/or ocr_paper (reward/ocr_scores.h).
// The reward is ned_weight * ocr_ned + paper_weight * ocr_paper; parts hold each active form's own value; words are
// the OCR words with their boxes (the attribution for mask propagation).
#pragma once
#include <memory>

#include "varrl/reward/ocr_pool.h"
#include "varrl/reward/reward.h"

namespace varrl {

class OcrReward : public RewardFn {
 public:
  // Weight 0 switches a form off. `penalty`, `eps`: ocr_paper's constants (reward.ocr_paper.*).
  OcrReward(const OcrPoolOptions& pool, double ned_weight, double paper_weight, double penalty = 0.6,
            double eps = 1e-6);
  std::string name() const override;
  std::vector<RewardResult> score(const std::vector<Image>& images, const std::vector<PromptRecord>& prompts) override;
  OcrPool& pool() { return pool_; }

 private:
  OcrPool pool_;
  double ned_w_, paper_w_, penalty_, eps_;
};

}  // namespace varrl
