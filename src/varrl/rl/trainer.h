// `varrl rl`: GRPO for VAR with VMR, PANW and MP. RLTrainer::step() is the whole RL step, top to bottom:
// rollouts (+ rewards) → advantages → token weights (PANW × MP × VMR segment) → update → metrics.
#pragma once
#include <torch/torch.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "varrl/core/config.h"
#include "varrl/core/metrics.h"
#include "varrl/data/prompt_record.h"
#include "varrl/dist/data_parallel.h"
#include "varrl/model/var_model.h"
#include "varrl/reward/reward.h"
#include "varrl/rl/advantages.h"
#include "varrl/rl/panw.h"
#include "varrl/rl/policy_update.h"
#include "varrl/rl/rollout.h"
#include "varrl/tokenizer/vqvae.h"

namespace varrl {

class RLTrainer {
 public:
  // Starts from cfg.rl.base (or resumes from out_dir's last checkpoint). `reward` may be given (tests); otherwise
  // it is built from the config's reward section. With a data-parallel group `dp`, each rank samples its share of
  // the step's prompts (whole groups), gradients are summed over the ranks, and rank 0 alone writes to out_dir.
  RLTrainer(const Config& cfg, const std::string& out_dir, bool resume, std::unique_ptr<RewardFn> reward = nullptr,
            std::shared_ptr<DataParallel> dp = nullptr);

  // Runs until rl.steps (or a stop signal); checkpoints every rl.ckpt_every steps and at the end.
  void run();
  // One RL step; returns its metrics record.
  nlohmann::json step(int64_t s);
  void save_checkpoint();
  // Evaluates the current policy on `n` held-out prompts (rl.eval_seed); records it as `tag` ("before"/"after") in
  // RUN_DIR/eval.json with a grid RUN_DIR/eval_<tag>.png, and as a point of eval.json's "curve" (step, reward,
  // reward_se, word_accuracy, ned, and delta ± delta_se against "before"). Tag "during" adds only the point.
  // Returns the evaluation's summary with "step" and every image's reward ("rewards"), as eval.json keeps it.
  nlohmann::json evaluate_heldout(const std::string& tag, int n);
  // Writes RUN_DIR/samples/step_NNNNNN.png: rl.sample_prompts held-out prompts x 4 fixed seeds.
  void write_samples();

  int64_t current_step() const { return step_; }
  VAR& policy() { return policy_; }
  VQVAE& tokenizer() { return vae_; }
  torch::optim::AdamW& optimizer() { return *opt_; }

 private:
  // The step's prompts over all ranks (a pure function of the seed and the step).
  std::vector<PromptRecord> prompts_for_step(int64_t s) const;
  // This rank's share of them: whole groups; `first` is the index of the share's first prompt in the step.
  std::vector<PromptRecord> my_share(const std::vector<PromptRecord>& all, int64_t& first) const;

  Config cfg_;
  std::string out_dir_;
  VQVAE vae_{nullptr};
  VAR policy_{nullptr}, ref_{nullptr}, ema_{nullptr};
  std::unique_ptr<torch::optim::AdamW> opt_;
  std::unique_ptr<RewardFn> reward_, ocr_;  // ocr_: only for evaluation when reward_ reads no text
  std::unique_ptr<MetricsWriter> metrics_;  // rank 0 only
  std::shared_ptr<DataParallel> dp_;
  std::vector<PromptRecord> prompt_pool_;  // from rl.prompts (empty = synthetic renders)
  RolloutOptions ropt_;
  AdvantageOptions adv_;
  PanwOptions panw_;
  UpdateOptions uopt_;
  int64_t step_ = 0, bad_steps_ = 0;
  uint64_t seed_ = 0;
};

// Set by SIGINT/SIGTERM while RLTrainer::run() is active: the run checkpoints and stops after the current step.
bool rl_stop_requested();
// The signal that stopped it (SIGINT, SIGTERM), 0 if none: the CLI exits with 128 + it, after the checkpoint.
int rl_stop_signal();

}  // namespace varrl
