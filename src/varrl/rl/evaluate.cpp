#include "varrl/rl/evaluate.h"

#include <algorithm>
#include <cmath>

#include "varrl/core/error.h"
#include "varrl/core/grid.h"
#include "varrl/core/progress.h"
#include "varrl/data/image_tensor.h"
#include "varrl/data/render.h"
#include "varrl/model/policy_io.h"
#include "varrl/reward/ocr_metrics.h"
#include "varrl/reward/reward.h"
#include "varrl/reward/word_box.h"
#include "varrl/sampler/sampler.h"
#include "varrl/tokenizer/tokenizer_io.h"

namespace varrl {

namespace {
// Sample standard deviation (n − 1) of x over sqrt(n); 0 below two values.
double standard_error(const std::vector<double>& x_N) {
  if (x_N.size() < 2) return 0;
  auto t = torch::tensor(x_N, torch::kDouble);
  return t.std(/*unbiased=*/true).item<double>() / std::sqrt(static_cast<double>(x_N.size()));
}
}  // namespace

double EvalResult::reward_se() const { return standard_error(rewards_N); }

PairedDifference paired_difference(const std::vector<double>& a_N, const std::vector<double>& b_N) {
  if (a_N.size() != b_N.size())
    throw Error("paired_difference: " + std::to_string(a_N.size()) + " against " + std::to_string(b_N.size()) +
                " images; both evaluations must use the same prompts and samples");
  std::vector<double> d_N(a_N.size());
  for (size_t i = 0; i < a_N.size(); ++i) d_N[i] = b_N[i] - a_N[i];
  PairedDifference out;
  out.n = static_cast<long>(d_N.size());
  if (!d_N.empty()) out.mean = torch::tensor(d_N, torch::kDouble).mean().item<double>();
  out.se = standard_error(d_N);
  return out;
}

nlohmann::json EvalResult::to_json() const {
  nlohmann::json j{{"reward", reward}, {"reward_se", reward_se()}, {"word_accuracy", word_accuracy}, {"ned", ned},
                   {"images", images}, {"same_length", same_length},
                   {"letter_accuracy_by_position", letter_accuracy_K}};
  if (samples_per_prompt > 1) {
    j["samples_per_prompt"] = samples_per_prompt;
    j["best_of_n_reward"] = best_of_n_reward;
    j["any_perfect"] = any_perfect;
    j["group_std"] = group_std;
  }
  return j;
}

namespace {
// Best-of-n statistics over consecutive groups of n rewards (the samples of one prompt).
void add_group_stats(EvalResult& res, const std::vector<double>& rewards, int n) {
  if (rewards.empty()) return;
  auto r_GN = torch::tensor(rewards, torch::kDouble).view({-1, n});
  auto best_G = r_GN.amax(1);
  res.samples_per_prompt = n;
  res.best_of_n_reward = best_G.mean().item<double>();
  res.any_perfect = (best_G >= 1.0 - 1e-9).to(torch::kDouble).mean().item<double>();
  res.group_std = r_GN.std(1, /*unbiased=*/false).mean().item<double>();
}
}  // namespace

EvalResult evaluate(VAR& var, VQVAE& vae, RewardFn& reward, RewardFn* ocr, const std::vector<PromptRecord>& prompts,
                    const SamplingParams& params, const EvalOptions& opt) {
  torch::NoGradGuard ng;
  var->eval();
  // One (prompt, seed) per image; images of several prompts share a sampling batch.
  std::vector<PromptRecord> recs;
  std::vector<std::string> texts;
  std::vector<uint64_t> seeds;
  for (size_t i = 0; i < prompts.size(); ++i)
    for (int j = 0; j < opt.samples_per_prompt; ++j) {
      recs.push_back(prompts[i]);
      texts.push_back(prompts[i].prompt);
      seeds.push_back(prompt_sample_seed(opt.seed, i, j));
    }
  EvalResult res;
  OcrMetrics metrics;
  double reward_sum = 0;
  Progress bar(opt.label, static_cast<long>(recs.size()));
  const size_t bs = static_cast<size_t>(std::max(1, opt.batch_size));  // < 1: sample_prompts refuses it below
  for (size_t i = 0; i < recs.size(); i += bs) {
    const size_t j = std::min(recs.size(), i + bs);
    auto out = sample_prompts(var, vae, {texts.begin() + i, texts.begin() + j}, params,
                              {seeds.begin() + i, seeds.begin() + j}, {}, opt.batch_size);
    auto images = tensor_to_images(out.images_B3HW);
    std::vector<PromptRecord> batch(recs.begin() + i, recs.begin() + j);
    auto scored = reward.score(images, batch);
    const bool have_words = !scored.empty() && scored[0].ocr;
    if (!have_words && !ocr)
      throw Error("evaluate: the reward reads no text; an OCR reward is needed for word accuracy");
    auto words = have_words ? scored : ocr->score(images, batch);
    for (size_t k = 0; k < images.size(); ++k) {
      reward_sum += scored[k].reward;
      res.rewards_N.push_back(scored[k].reward);
      metrics.add(batch[k].texts, words[k].words);
      const std::string read = join_words(words[k].words);
      res.read_N.push_back(read);
      const size_t prompt_i = (i + k) / static_cast<size_t>(opt.samples_per_prompt);
      if (prompt_i < static_cast<size_t>(opt.grid_prompts)) {
        const std::string shown = read.empty() ? "(nothing)" : read;
        if ((i + k) % opt.samples_per_prompt == 0) {
          res.grid_rows.emplace_back();
          res.grid_captions.push_back(first_text(batch[k]) + " -> " + shown);
        } else {
          res.grid_captions.back() += " | " + shown;
        }
        res.grid_rows.back().push_back(images[k]);
      }
    }
    res.images += static_cast<long>(images.size());
    bar.update(static_cast<long>(j), "reward=" + std::to_string(reward_sum / res.images).substr(0, 5));
  }
  bar.finish();
  res.reward = res.images ? reward_sum / res.images : 0;
  res.word_accuracy = metrics.word_accuracy();
  res.ned = metrics.ned();
  res.same_length = metrics.same_length_fraction();
  res.letter_accuracy_K = metrics.letter_accuracy_by_position();
  add_group_stats(res, res.rewards_N, std::max(1, opt.samples_per_prompt));
  return res;
}

std::vector<PromptRecord> heldout_prompts(const Config& cfg, int count, uint64_t seed) {
  auto opts = RenderOptions::from_config(cfg);
  std::vector<PromptRecord> out;
  for (int i = 0; i < count; ++i)
    out.push_back(render_sample(opts, seed * 7919 + static_cast<uint64_t>(i), true).record);
  return out;
}

Image eval_grid(const EvalResult& r, size_t max_rows) {
  std::vector<GridRow> rows;
  for (size_t i = 0; i < std::min(r.grid_rows.size(), max_rows); ++i)
    rows.push_back({r.grid_rows[i], r.grid_captions[i]});
  return make_grid(rows);
}

EvalResult evaluate_model_folder(const std::string& dir, const Config& cfg, const std::vector<PromptRecord>& prompts,
                                 const EvalOptions& opt) {
  auto vae = load_tokenizer(dir, cfg);
  auto var = load_policy(dir, cfg);
  auto reward = make_reward(cfg);
  std::unique_ptr<RewardFn> ocr;  // word accuracy needs OCR words; a second OCR reward only if `reward` reads none
  if (reward->name().find("ocr") == std::string::npos) ocr = make_reward(cfg, "ocr_ned");
  return evaluate(var, vae, *reward, ocr.get(), prompts, SamplingParams::from_config(cfg), opt);
}

}  // namespace varrl
