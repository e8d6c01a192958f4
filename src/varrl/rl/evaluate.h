// Held-out evaluation of a policy: samples every prompt with fixed seeds (so two checkpoints are compared on the same
// noise), scores the images, and reports the mean reward, word accuracy and NED (CVTG-2K style). Used by
// `varrl eval`, `varrl demo` and `varrl ablate`.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>

#include <string>
#include <vector>

#include "varrl/core/image.h"
#include "varrl/data/prompt_record.h"
#include "varrl/model/var_model.h"
#include "varrl/sampler/sampling_dist.h"
#include "varrl/tokenizer/vqvae.h"

namespace varrl {
class RewardFn;

// The seed of sample j of prompt i (evaluations and `varrl sample`): two checkpoints see the same noise.
inline uint64_t prompt_sample_seed(uint64_t seed, size_t prompt_i, int sample_j) {
  return seed + 1000 * static_cast<uint64_t>(prompt_i) + static_cast<uint64_t>(sample_j);
}

struct EvalOptions {
  int samples_per_prompt = 1;
  uint64_t seed = 0;       // sample j of prompt i uses prompt_sample_seed(seed, i, j)
  int batch_size = 16;     // images per sampling forward (prompts are batched together)
  int grid_prompts = 8;    // prompts whose images are kept for a grid (EvalResult::grid_rows)
  std::string label = "eval";  // progress bar label
};

struct EvalResult {
  double reward = 0, word_accuracy = 0, ned = 0;
  long images = 0;
  // With several samples per prompt: what GRPO can select from. Mean over prompts of the best sample's reward, the
  // fraction of prompts with at least one sample of reward >= 1 (ocr_ned: the word read exactly), and the mean
  // over prompts of the rewards' standard deviation across the prompt's samples (the spread a group sees).
  int samples_per_prompt = 1;
  double best_of_n_reward = 0, any_perfect = 0, group_std = 0;
  // Which letters go wrong (reward/ocr_metrics.h): over images read with the word's length, letter k's accuracy.
  double same_length = 0;
  std::vector<double> letter_accuracy_K;
  std::vector<double> rewards_N;          // every image's reward, sample j of prompt i at i * samples_per_prompt + j
  std::vector<std::string> read_N;        // what OCR read in each image (words joined by spaces)
  // Every sample of the first grid_prompts prompts, one row per prompt; caption "TEXT -> read 1 | read 2 | ..."
  // ("(nothing)" where OCR read no word).
  std::vector<std::vector<Image>> grid_rows;
  std::vector<std::string> grid_captions;
  double reward_se() const;               // standard error of the mean reward (sample std / sqrt(images))
  // {"reward", "reward_se", "word_accuracy", "ned", "images", "same_length", "letter_accuracy_by_position"}
  // (+ best-of-n keys if n > 1)
  nlohmann::json to_json() const;
};

// Mean and standard error of b − a over paired images (the same prompts and noise evaluated twice, e.g. before and
// after RL): the error of a difference that shares its noise, smaller than either mean's own. Sizes must match.
struct PairedDifference {
  double mean = 0, se = 0;
  long n = 0;
};
PairedDifference paired_difference(const std::vector<double>& a_N, const std::vector<double>& b_N);

// `reward` gives the reported reward; word accuracy and NED come from its OCR words when it has them, else from
// `ocr` (an ocr_ned reward), which must then be given.
EvalResult evaluate(VAR& var, VQVAE& vae, RewardFn& reward, RewardFn* ocr, const std::vector<PromptRecord>& prompts,
                    const SamplingParams& params, const EvalOptions& opt);

// evaluate() of the model folder `dir` (its tokenizer and policy, read with `cfg`) under `cfg`'s reward and sampler:
// `varrl eval` and `varrl ablate --eval-rl-prompts`.
EvalResult evaluate_model_folder(const std::string& dir, const Config& cfg, const std::vector<PromptRecord>& prompts,
                                 const EvalOptions& opt);

// The held-out prompts of demos and ablations: `count` renders of held-out words (never seen in training) with the
// render settings of `cfg`, from a fixed seed.
std::vector<PromptRecord> heldout_prompts(const Config& cfg, int count, uint64_t seed);

// A grid image of an evaluation's kept samples (one row per prompt), at most `max_rows` rows.
Image eval_grid(const EvalResult& r, size_t max_rows = SIZE_MAX);

}  // namespace varrl
