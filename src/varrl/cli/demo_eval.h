// The evaluations of `varrl demo`, before and after RL on the same prompts and noise: (a) fresh scenes of the
// vocabulary, 2 samples each, into RUN/eval.json (+ eval_before/after.png, the report's before/after section) and
// (b) the control, other held-out words, 1 sample each, into RUN/control_eval.json; paired changes with standard
// errors, and RUN/vocabulary_before_after.png (two scenes per word, before | after, captioned with what OCR read).
#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "varrl/core/config.h"
#include "varrl/data/prompt_record.h"
#include "varrl/reward/reward.h"
#include "varrl/rl/evaluate.h"
#include "varrl/rl/trainer.h"

namespace varrl::cli {

class DemoEvaluation {
 public:
  // `scenes`: word-major, `scenes_per_word` of each word.
  DemoEvaluation(const Config& cfg, std::string out_dir, std::vector<PromptRecord> scenes, int scenes_per_word,
                 std::vector<PromptRecord> control);
  // tag "before" or "after": evaluates the trainer's current policy and writes the files above.
  void run(const std::string& tag, RLTrainer& trainer);
  // before.* / after.* / delta.* of (a), control.before.reward ... control.delta.reward_se of (b).
  nlohmann::json summary() const;
  // The report's opening table: the two changes with their standard errors.
  std::vector<std::vector<std::string>> lead_rows() const;
  void print() const;  // the same, for the terminal

 private:
  Config cfg_;
  std::string out_;
  std::vector<PromptRecord> scenes_, control_;
  int per_word_;
  std::unique_ptr<RewardFn> reward_;
  EvalResult scenes_before_, scenes_after_, control_before_, control_after_;
  PairedDifference scenes_delta_, control_delta_;  // set by run("after")
};

}  // namespace varrl::cli
