#include "varrl/rl/evaluate.h"

#include <algorithm>

#include "varrl/core/error.h"
#include "varrl/core/grid.h"
#include "varrl/core/progress.h"
#include "varrl/data/image_tensor.h"
#include "varrl/data/render.h"
#include "varrl/reward/ocr_metrics.h"
#include "varrl/reward/reward.h"
#include "varrl/sampler/sampler.h"

namespace varrl {

nlohmann::json EvalResult::to_json() const {
  nlohmann::json j{{"reward", reward}, {"word_accuracy", word_accuracy}, {"ned", ned}, {"images", images}};
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
  std::vector<double> rewards;
  Progress bar(opt.label, static_cast<long>(recs.size()));
  const size_t bs = static_cast<size_t>(std::max(1, opt.batch_size));
  for (size_t i = 0; i < recs.size(); i += bs) {
    const size_t j = std::min(recs.size(), i + bs);
    auto out = sample_prompts(var, vae, {texts.begin() + i, texts.begin() + j}, params,
                              {seeds.begin() + i, seeds.begin() + j}, {}, static_cast<int>(bs));
    auto images = tensor_to_images(out.images_B3HW);
    std::vector<PromptRecord> batch(recs.begin() + i, recs.begin() + j);
    auto scored = reward.score(images, batch);
    const bool have_words = !scored.empty() && scored[0].ocr;
    if (!have_words && !ocr) throw Error("evaluate: the reward reads no text; an OCR reward is needed for word accuracy");
    auto words = have_words ? scored : ocr->score(images, batch);
    for (size_t k = 0; k < images.size(); ++k) {
      reward_sum += scored[k].reward;
      rewards.push_back(scored[k].reward);
      metrics.add(batch[k].texts, words[k].words);
      const size_t prompt_i = (i + k) / static_cast<size_t>(opt.samples_per_prompt);
      if ((i + k) % opt.samples_per_prompt == 0 && prompt_i < static_cast<size_t>(opt.grid_prompts)) {
        res.grid_images.push_back(images[k]);
        std::string read;
        for (auto& w : words[k].words) read += (read.empty() ? "" : " ") + w.text;
        res.grid_captions.push_back(batch[k].texts.empty() ? "" : batch[k].texts[0] + " -> " + read);
      }
    }
    res.images += static_cast<long>(images.size());
    bar.update(static_cast<long>(j), "reward=" + std::to_string(reward_sum / res.images).substr(0, 5));
  }
  bar.finish();
  res.reward = res.images ? reward_sum / res.images : 0;
  res.word_accuracy = metrics.word_accuracy();
  res.ned = metrics.ned();
  add_group_stats(res, rewards, std::max(1, opt.samples_per_prompt));
  return res;
}

std::vector<PromptRecord> heldout_prompts(const Config& cfg, int count, uint64_t seed) {
  auto opts = RenderOptions::from_config(cfg);
  std::vector<PromptRecord> out;
  for (int i = 0; i < count; ++i) out.push_back(render_sample(opts, seed * 7919 + static_cast<uint64_t>(i), true).record);
  return out;
}

Image eval_grid(const EvalResult& r) {
  std::vector<GridRow> rows;
  for (size_t i = 0; i < r.grid_images.size(); ++i) rows.push_back({{r.grid_images[i]}, r.grid_captions[i]});
  return make_grid(rows);
}

}  // namespace varrl
