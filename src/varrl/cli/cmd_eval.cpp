// `varrl eval --ckpt DIR --prompts FILE`: samples every prompt with fixed seeds (two checkpoints see the same noise)
// and reports the mean reward, word accuracy and NED (CVTG-2K style) over them.
#include <cstdio>
#include <filesystem>

#include "varrl/cli/commands.h"
#include "varrl/cli/common.h"
#include "varrl/core/atomic_file.h"
#include "varrl/core/error.h"
#include "varrl/core/image.h"
#include "varrl/core/metrics.h"
#include "varrl/data/prompt_record.h"
#include "varrl/rl/evaluate.h"
#include "varrl/rl/rl_config_check.h"
#include "varrl/tokenizer/tokenizer_io.h"

namespace varrl::cli {

namespace {
struct Args {
  CommonOptions common;
  std::string ckpt, prompts, grid, per_image, paired, save_images;
  int n = 1, limit = -1, heldout = 0;
  int64_t seed = 1234;
};
// The rewards of an earlier `--per-image` file, checked line by line against this evaluation's prompts and samples:
// a paired change is only meaningful over the same images' noise.
std::vector<double> paired_rewards(const std::string& path, const std::vector<PromptRecord>& rows, int n,
                                   size_t images) {
  const auto recs = read_jsonl(path);
  if (recs.size() != images)
    throw Error(path + ": " + std::to_string(recs.size()) + " images against this evaluation's " +
                std::to_string(images) + "; --paired needs the same prompts, --n and --limit");
  const size_t per = static_cast<size_t>(std::max(1, n));
  std::vector<double> rewards_N(images);
  for (size_t k = 0; k < images; ++k) {
    const auto& r = recs[k];
    const size_t i = k / per;
    const std::string text = first_text(rows[i]);
    if (r.value("prompt_index", size_t(-1)) != i || r.value("sample", size_t(-1)) != k % per ||
        r.value("text", std::string()) != text || !r.contains("reward") || !r["reward"].is_number())
      throw Error(path + ": line " + std::to_string(k + 1) + " is not prompt " + std::to_string(i) + " sample " +
                  std::to_string(k % per) + " (\"" + text + "\") with a reward; --paired needs the same prompts");
    rewards_N[k] = r["reward"].get<double>();
  }
  return rewards_N;
}

// Every kept image as DIR/img/PPPPPP_SS.png, listed in DIR/prompts.jsonl (written last) with its prompt's texts.
void save_images(const std::string& dir, const std::vector<PromptRecord>& rows, const EvalResult& res) {
  std::filesystem::create_directories(dir + "/img");
  std::vector<PromptRecord> out;
  for (size_t i = 0; i < res.grid_rows.size(); ++i)
    for (size_t j = 0; j < res.grid_rows[i].size(); ++j) {
      char name[32];
      std::snprintf(name, sizeof(name), "img/%06zu_%02zu.png", i, j);
      write_png(dir + "/" + name, res.grid_rows[i][j]);
      PromptRecord r = rows[i];
      r.boxes.clear();  // the boxes were the reference render's, not this sample's
      r.image = name;
      out.push_back(r);
    }
  write_prompts(dir + "/prompts.jsonl", out);
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("eval", "sample held-out prompts and report mean reward, word accuracy and NED");
  add_common_options(cmd, a->common);
  cmd->add_option("--ckpt", a->ckpt, "model folder")->required();
  auto* prompts =
      cmd->add_option("--prompts", a->prompts, "prompts file (.jsonl from `varrl render --heldout`, or text)");
  cmd->add_option("--heldout", a->heldout, "instead of --prompts: N held-out prompts rendered from --seed "
                                           "(as rl.eval_prompts does: same prompts and noise as `varrl demo`)")
      ->excludes(prompts)
      ->check(positive());
  cmd->add_option("--n", a->n, "samples per prompt")->check(positive());
  cmd->add_option("--limit", a->limit, "use the first N prompts")->check(positive());
  cmd->add_option("--seed", a->seed, "sample j of prompt i uses seed + 1000 i + j (default: rl.eval_seed's 1234)");
  cmd->add_option("--grid", a->grid,
                  "also write a PNG grid: every sample of the first 8 prompts, one row per prompt, with what OCR read");
  cmd->add_option("--per-image", a->per_image,
                  "also write FILE.jsonl: one line per image (prompt, sample, text, what OCR read, reward), to pair "
                  "two checkpoints' evaluations image by image");
  cmd->add_option("--save-images", a->save_images,
                  "also write every sample to DIR/img/PROMPT_SAMPLE.png and DIR/prompts.jsonl (rows as `varrl render` "
                  "writes them), which `varrl reward --prompts DIR/prompts.jsonl` scores again");
  cmd->add_option("--paired", a->paired,
                  "a --per-image FILE of another checkpoint's evaluation on the same prompts, seed and --n: also "
                  "report the change against it image by image (delta.reward ± delta.reward_se, paired)");
  cmd->callback([a] {
    Config base = load_model_config(a->ckpt);
    Config cfg = resolve_config(a->common, &base);
    if (a->prompts.empty() && a->heldout <= 0) throw Error("eval: give --prompts FILE or --heldout N");
    if (!a->save_images.empty() && std::filesystem::exists(a->save_images + "/prompts.jsonl"))
      throw Error("eval: " + a->save_images + "/prompts.jsonl exists; --save-images writes only into a new folder");
    auto rows = a->prompts.empty() ? heldout_prompts(cfg, a->heldout, static_cast<uint64_t>(a->seed))
                                   : read_prompts(a->prompts);
    if (a->limit >= 0 && static_cast<size_t>(a->limit) < rows.size()) rows.resize(static_cast<size_t>(a->limit));
    if (!a->prompts.empty()) check_prompts_for_reward(rows, cfg, a->prompts);
    // Checked before sampling: a mismatched file fails in a second, not after the whole evaluation.
    std::vector<double> paired_N;
    if (!a->paired.empty())
      paired_N = paired_rewards(a->paired, rows, a->n, rows.size() * static_cast<size_t>(std::max(0, a->n)));
    EvalOptions opt;
    opt.samples_per_prompt = a->n;
    opt.seed = static_cast<uint64_t>(a->seed);
    opt.batch_size = cfg.get<int>("sampler.batch_size");
    if (!a->save_images.empty()) opt.grid_prompts = static_cast<int>(rows.size());  // keep every image
    auto res = evaluate_model_folder(a->ckpt, cfg, rows, opt);
    if (!a->grid.empty())  // the first 8 prompts, also when --save-images kept them all
      write_png(a->grid, eval_grid(res, static_cast<size_t>(EvalOptions().grid_prompts)));
    if (!a->save_images.empty()) save_images(a->save_images, rows, res);
    if (!a->per_image.empty()) {
      std::string lines;
      const size_t n = static_cast<size_t>(std::max(1, a->n));
      for (size_t k = 0; k < res.rewards_N.size(); ++k) {
        const size_t i = k / n;
        lines += nlohmann::json{{"prompt_index", i}, {"sample", k % n},
                                {"text", first_text(rows[i])}, {"read", res.read_N[k]},
                                {"reward", res.rewards_N[k]}}.dump() + "\n";
      }
      write_file_atomic(a->per_image, lines);
    }
    auto summary = res.to_json();
    if (!a->paired.empty()) {
      auto d = paired_difference(paired_N, res.rewards_N);
      summary["delta.reward"] = d.mean, summary["delta.reward_se"] = d.se, summary["paired"] = a->paired;
    }
    summary["ckpt"] = a->ckpt, summary["prompts"] = rows.size(), summary["seed"] = a->seed;
    print_summary(summary);
  });
}

}  // namespace varrl::cli
