// `varrl reward`: scores the images of a prompts .jsonl file (as `varrl render` writes) with one reward or the
// configured weighted sum; one JSON line per image, then a JSON summary with the mean and OCR metrics.
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>

#include "varrl/cli/commands.h"
#include "varrl/cli/common.h"
#include "varrl/core/error.h"
#include "varrl/core/metrics.h"
#include "varrl/core/progress.h"
#include "varrl/data/image_folder.h"
#include "varrl/reward/ocr_metrics.h"
#include "varrl/reward/ocr_pool.h"
#include "varrl/reward/reward.h"

namespace varrl::cli {

namespace {

struct RewardArgs {
  CommonOptions common;
  std::string reward;
  std::string prompts;
  int batch = 64;
  bool no_metrics = false;
};

nlohmann::json words_json(const std::vector<WordBox>& words) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& w : words) a.push_back({{"text", w.text}, {"conf", w.conf}, {"box", w.box}});
  return a;
}

void run_reward(const RewardArgs& a) {
  Config cfg = resolve_config(a.common);
  ImageFolder folder(a.prompts);  // images at their own size
  auto fn = a.reward.empty() ? make_reward(cfg) : make_reward(cfg, a.reward);
  std::unique_ptr<OcrPool> metrics_ocr;  // only when the reward itself reads no text
  OcrMetrics metrics;
  double sum = 0, sum_sq = 0;
  std::map<std::string, double> part_sums;
  const auto t0 = std::chrono::steady_clock::now();
  Progress bar("reward", static_cast<long>(folder.size()));
  for (size_t start = 0; start < folder.size(); start += static_cast<size_t>(a.batch)) {
    const size_t end = std::min(folder.size(), start + static_cast<size_t>(a.batch));
    std::vector<Image> images;
    std::vector<PromptRecord> records;
    std::vector<std::string> paths;
    for (size_t i = start; i < end; ++i) {
      LoadedSample s = folder.load(i);
      images.push_back(std::move(s.image));
      records.push_back(std::move(s.record));
      paths.push_back(std::move(s.path));
    }
    auto results = fn->score(images, records);
    std::vector<OcrResult> extra;
    bool need_ocr = false;
    for (const auto& r : results) need_ocr |= !r.ocr;
    if (need_ocr && !a.no_metrics) {
      if (!metrics_ocr) metrics_ocr = std::make_unique<OcrPool>(OcrPoolOptions::from_config(cfg));
      extra = metrics_ocr->read(images);
    }
    for (size_t k = 0; k < results.size(); ++k) {
      const RewardResult& r = results[k];
      nlohmann::json line = {{"id", start + k},   {"image", paths[k]},         {"reward", r.reward},
                             {"parts", r.parts}, {"words", words_json(r.words)}};
      std::printf("%s\n", line.dump().c_str());
      sum += r.reward;
      sum_sq += r.reward * r.reward;
      for (const auto& kv : r.parts) part_sums[kv.first] += kv.second;
      if (!a.no_metrics) metrics.add(records[k].texts, r.ocr ? r.words : extra[k].words);
    }
    if (end < folder.size()) bar.update(static_cast<long>(end));
  }
  bar.finish();
  const double n = static_cast<double>(folder.size());
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  nlohmann::json summary = {{"count", folder.size()},
                            {"reward", fn->name()},
                            {"mean", sum / n},
                            {"std", std::sqrt(std::max(0.0, sum_sq / n - (sum / n) * (sum / n)))},
                            {"seconds", secs},
                            {"images_per_s", n / std::max(secs, 1e-9)}};
  for (const auto& kv : part_sums) summary["mean_" + kv.first] = kv.second / n;
  if (!a.no_metrics) {
    summary["word_accuracy"] = metrics.word_accuracy();
    summary["ned"] = metrics.ned();
  }
  print_summary(summary);
}

}  // namespace

void add_reward_command(CLI::App& app) {
  auto args = std::make_shared<RewardArgs>();
  auto* cmd = app.add_subcommand("reward", "score existing images (a prompts .jsonl with image paths)");
  cmd->add_option("--reward", args->reward, "one reward: " + reward_names_list() + " (default: reward.weights)");
  cmd->add_option("--prompts", args->prompts, "prompts .jsonl (or its folder); image paths relative to it")
      ->required();
  cmd->add_option("--batch", args->batch, "images per reward call (default 64)")->check(positive());
  cmd->add_flag("--no-metrics", args->no_metrics, "skip word accuracy / NED (no extra OCR pass)");
  add_common_options(cmd, args->common);
  cmd->callback([args] { run_reward(*args); });
}

}  // namespace varrl::cli
