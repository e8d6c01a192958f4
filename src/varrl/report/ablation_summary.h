// The ablation table of `varrl ablate`: per variant (vanilla GRPO, +PANW, +VMR, +MP, all), mean ± std over seeds of
// the held-out reward (and its paired change against the base) / word accuracy / NED, the reward on the RL prompts
// after training, the training reward at the end, steps to reach a reward level, and stability (grad-norm spikes,
// mean KL, peak per-scale KL). Also the per-variant mean curves the report overlays. Torch-free.
#pragma once
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace varrl {

struct AblationRun {
  std::string variant;
  int seed = 0;
  std::vector<nlohmann::json> metrics;  // the run's metrics.jsonl records
  nlohmann::json eval;                  // {"reward", "word_accuracy", "ned", ...} after training
  nlohmann::json rl_prompts_eval;       // the same on the run's own RL prompts (`--eval-rl-prompts`); null if not run
  std::optional<double> change_vs_base; // the paired held-out change against the base model, when known
};

struct MeanStd {
  double mean = 0, std = 0;  // std over seeds (sample std; 0 for one seed)
  int n = 0;
};
MeanStd mean_std(const std::vector<double>& xs);

struct AblationRow {
  std::string variant;
  int seeds = 0;
  MeanStd reward, word_accuracy, ned;  // held-out, after training
  MeanStd heldout_change;              // held-out reward minus the base's over the same images (n = 0 if unknown)
  MeanStd rl_prompts_reward, rl_prompts_word_accuracy;  // on the RL prompts, after training (n = 0 if not evaluated)
  MeanStd train_reward_end;            // mean training reward over the last quarter of the steps
  MeanStd steps_to_level;              // first step whose 5-step moving mean of reward/mean reaches the level
  int reached = 0;                     // runs that reached the level at all (steps_to_level averages over these)
  MeanStd grad_spikes;                 // steps with grad_norm > 3x the run's median
  MeanStd kl;                          // mean KL over the run
  MeanStd peak_scale_kl;               // largest "kl/scaleN" of any step and scale (n = 0 if no run logs them)
};

// Rows in the order variants first appear in `runs`.
std::vector<AblationRow> summarize_ablation(const std::vector<AblationRun>& runs, double level);

// The first step (1-based, the record's "step") whose trailing `window`-step mean of `key` reaches `level`; -1 if
// never.
long steps_to_level(const std::vector<nlohmann::json>& metrics, const std::string& key, double level, int window = 5);

// Markdown table of the rows (with the level and the base model's held-out numbers, and its numbers on the RL prompts
// when `base_rl_prompts` is an object, in the caption lines).
std::string ablation_markdown(const std::vector<AblationRow>& rows, double level, const nlohmann::json& base_eval,
                              const nlohmann::json& base_rl_prompts = nullptr);
// The same table as header + cells (for the HTML report).
std::vector<std::string> ablation_header();
std::vector<std::vector<std::string>> ablation_cells(const std::vector<AblationRow>& rows);

// Step-wise mean over runs of the numeric keys in `keys` (records aligned by "step").
std::vector<nlohmann::json> mean_curve(const std::vector<std::vector<nlohmann::json>>& runs,
                                       const std::vector<std::string>& keys);

}  // namespace varrl
