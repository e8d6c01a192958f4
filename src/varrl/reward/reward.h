// Rewards: a RewardFn scores a batch of images against their prompts. make_reward() builds the configured weighted
// sum (config section `reward:`); every result also carries each component's own (unweighted) value, for logging.
//
// Names: ocr_ned, ocr_paper (reward/ocr_scores.h), brightness, color_fraction (reward/image_rewards.h), external
// (reward/external_reward.h), render_match (reward/render_match.h).
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "varrl/core/config.h"
#include "varrl/core/image.h"
#include "varrl/data/prompt_record.h"
#include "varrl/reward/word_box.h"

namespace varrl {

struct RewardResult {
  double reward = 0;
  std::vector<WordBox> words;            // attribution: OCR words, or an external reward's boxes (text "")
  std::map<std::string, double> parts;   // name -> unweighted value of each component
  bool ocr = false;                      // `words` are what OCR read (their texts are meaningful)
};

// Not thread-safe: one caller at a time (OCR parallelism lives in the worker processes).
class RewardFn {
 public:
  virtual ~RewardFn();
  virtual std::string name() const = 0;
  // One result per image; images[i] is scored against prompts[i]. Throws varrl::Error on a size mismatch.
  virtual std::vector<RewardResult> score(const std::vector<Image>& images,
                                          const std::vector<PromptRecord>& prompts) = 0;
};

// Every reward name the factory knows.
const std::vector<std::string>& reward_names();
// reward_names() joined by ", " (for help texts and error lines).
std::string reward_names_list();

// The weighted sum of reward.weights (components with weight 0 are not built). Throws varrl::Error when no weight
// is non-zero or a component cannot start.
std::unique_ptr<RewardFn> make_reward(const Config& cfg);
// One reward by name, weight 1 (its settings still come from the config). Throws for an unknown name.
std::unique_ptr<RewardFn> make_reward(const Config& cfg, const std::string& name);

// Throws varrl::Error unless images and prompts have the same length (`who` names the reward).
void check_batch(const std::string& who, const std::vector<Image>& images, const std::vector<PromptRecord>& prompts);

}  // namespace varrl
