// `varrl demo` end to end on the shipped model (models/default), its report in headless Chromium, its "before"
// numbers equal to `varrl eval --heldout` (same prompts and noise), a refused second run that leaves the first intact,
// `varrl eval`'s paired per-image files, and `varrl ablate`'s evaluation on the RL prompts.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <set>
#include <nlohmann/json.hpp>

#include "browser_check.h"
#include "run_varrl.h"
#include "temp_dir.h"
#include "varrl/core/atomic_file.h"
#include "varrl/core/error.h"
#include "varrl/core/metrics.h"
#include "varrl/data/prompt_record.h"
#include "varrl/data/word_list.h"
#include "varrl/rl/evaluate.h"
#include "varrl/tokenizer/tokenizer_io.h"

namespace fs = std::filesystem;
using namespace varrl;
using namespace varrl::test;
using varrl::testing::kModel;
using varrl::testing::run_varrl;
using varrl::testing::temp_dir;

TEST(Demo, RunsEndToEndAndTheBrowserAcceptsItsReport) {
  ASSERT_TRUE(fs::exists(kModel + "/policy.safetensors")) << "the shipped model is missing: " << kModel;
  const fs::path work = temp_dir("e2e"), out = work / "demo";
  std::string line;
  // A tiny RL phase: 2 steps of 2 prompts x 4 images; 2 fresh scenes per word (2 samples each), 6 control prompts.
  const std::string args = "demo --steps 2 --scenes 2 --control 6 --base " + kModel + " --out " + out.string() +
                           " --set rl.group_size=4 --set rl.sample_every=1";
  ASSERT_EQ(run_varrl(args, work / "demo.log", &line), 0) << read_file((work / "demo.log").string());
  auto summary = nlohmann::json::parse(line);
  for (const char* k : {"before.reward", "after.reward", "before.word_accuracy", "after.word_accuracy", "before.ned",
                        "after.ned", "control.before.reward", "control.after.reward"}) {
    ASSERT_TRUE(summary.contains(k)) << k << " missing in " << line;
    EXPECT_GE(summary[k].get<double>(), 0.0);
    EXPECT_LE(summary[k].get<double>(), 1.0);
  }
  EXPECT_EQ(summary["steps"].get<int>(), 2);
  const auto words = summary["words"].get<std::vector<std::string>>();
  ASSERT_EQ(words.size(), 4u);  // the default vocabulary: 4 held-out words
  for (const auto& w : words) EXPECT_TRUE(is_heldout_word(w)) << w;
  // The run trained the paper's three components over the defaults and configs/rl/demo.yaml.
  const Config run_cfg = load_model_config(out.string());
  EXPECT_TRUE(run_cfg.get<bool>("rl.vmr.enabled"));
  EXPECT_TRUE(run_cfg.get<bool>("rl.panw.enabled"));
  EXPECT_TRUE(run_cfg.get<bool>("rl.mp.enabled"));
  EXPECT_EQ(run_cfg.get<std::string>("rl.vmr.schedule"), "B");
  EXPECT_EQ(run_cfg.get<double>("rl.lr"), 3e-5);
  // The first step starts from the shipped weights: its KL to the reference (the same weights) is exactly 0.
  const std::string metrics = read_file((out / "metrics.jsonl").string());
  auto first = nlohmann::json::parse(metrics.substr(0, metrics.find('\n')));
  EXPECT_EQ(first["kl/epoch0"].get<double>(), 0.0);
  EXPECT_GT(first["grad_norm"].get<double>(), 0.0);
  // RL prompts, fresh scenes and control: the vocabulary's words in the first two, other words in the third, and no
  // evaluation prompt string among the rollout prompts.
  auto lower = [](std::string t) {
    for (auto& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return t;
  };
  const auto rl_prompts = read_prompts((out / "rl_prompts.jsonl").string());
  const auto scenes = read_prompts((out / "eval_prompts.jsonl").string());
  const auto control = read_prompts((out / "control_prompts.jsonl").string());
  ASSERT_EQ(rl_prompts.size(), 32u);
  ASSERT_EQ(scenes.size(), 8u);
  ASSERT_EQ(control.size(), 6u);
  std::set<std::string> rollout_strings;
  for (const auto& p : rl_prompts) {
    rollout_strings.insert(p.prompt);
    EXPECT_NE(std::find(words.begin(), words.end(), lower(p.texts.at(0))), words.end()) << p.prompt;
  }
  for (const auto& p : scenes) {
    EXPECT_EQ(rollout_strings.count(p.prompt), 0u) << "evaluation prompt among the rollouts: " << p.prompt;
    EXPECT_NE(std::find(words.begin(), words.end(), lower(p.texts.at(0))), words.end()) << p.prompt;
  }
  for (const auto& p : control)
    EXPECT_EQ(std::find(words.begin(), words.end(), lower(p.texts.at(0))), words.end()) << p.prompt;
  // eval.json keeps every image's reward before and after, and the paired change: its mean is after − before.
  const auto eval = nlohmann::json::parse(read_file((out / "eval.json").string()));
  const auto before_N = eval["before"]["rewards"].get<std::vector<double>>();
  ASSERT_EQ(before_N.size(), 16u);  // 8 scenes x 2 samples
  ASSERT_EQ(eval["after"]["rewards"].size(), 16u);
  EXPECT_NEAR(eval["delta"]["reward"].get<double>(),
              summary["after.reward"].get<double>() - summary["before.reward"].get<double>(), 1e-12);
  EXPECT_DOUBLE_EQ(summary["delta.reward"].get<double>(), eval["delta"]["reward"].get<double>());
  EXPECT_GE(summary["delta.reward_se"].get<double>(), 0.0);
  const auto control_eval = nlohmann::json::parse(read_file((out / "control_eval.json").string()));
  EXPECT_EQ(control_eval["after"]["rewards"].size(), 6u);
  EXPECT_DOUBLE_EQ(summary["control.delta.reward"].get<double>(), control_eval["delta"]["reward"].get<double>());
  EXPECT_TRUE(fs::exists(out / "samples/step_000000.png"));
  EXPECT_TRUE(fs::exists(out / "vocabulary_before_after.png"));

  // The report opens with the result (the before/after grid and the two changes), the training curves follow.
  const fs::path html = summary["report"].get<std::string>();
  ASSERT_TRUE(fs::exists(html));
  const std::string page = read_file(html.string());
  ASSERT_NE(page.find("<h2>Result</h2>"), std::string::npos);
  EXPECT_LT(page.find("<h2>Result</h2>"), page.find("<h2>Training</h2>"));
  EXPECT_NE(page.find("fresh scenes of the vocabulary"), std::string::npos);
  const std::string chromium = find_chromium();
  ASSERT_FALSE(chromium.empty()) << "chromium not found: run scripts/setup.sh (Debian's chromium package)";
  const std::string dom = dump_dom(chromium, html, work / "browser");
  ASSERT_FALSE(dom.empty()) << read_file((work / "browser/chromium.err").string());
  EXPECT_EQ(body_attr(dom, "data-ok"), 1);
  EXPECT_GE(body_attr(dom, "data-svg"), 4);  // reward, KL, clip, entropy plots at least
  EXPECT_GE(body_attr(dom, "data-img"), 4);  // the before/after grid, sample grids, before/after evaluation grids
  EXPECT_EQ(dom.find("data-errors"), std::string::npos);

  // A second demo into the same folder is refused with one error line, and the first run stays as it was.
  ASSERT_NE(run_varrl(args, work / "again.log", nullptr), 0);
  const std::string err = read_file((work / "again.log").string());
  EXPECT_NE(err.find("holds a run already"), std::string::npos) << err;
  EXPECT_EQ(read_file((out / "metrics.jsonl").string()), metrics);
}

// `varrl eval` against an RL run's own held-out evaluation (rl.eval_prompts): per-image files, paired changes, grids
// and saved images, on the shipped model.
TEST(Eval, PerImagePairedGridAndSavedImagesMatchAnRlRunsEvaluation) {
  const fs::path work = temp_dir("eval_cli"), out = work / "rl";
  std::string line;
  ASSERT_EQ(run_varrl("rl --out " + out.string() + " --set rl.base=" + kModel +
                          " --set rl.steps=1 --set rl.prompts_per_step=1 --set rl.group_size=4 --set rl.eval_prompts=6",
                      work / "rl.log", nullptr), 0)
      << read_file((work / "rl.log").string());
  const auto eval = nlohmann::json::parse(read_file((out / "eval.json").string()));
  const auto before_N = eval["before"]["rewards"].get<std::vector<double>>();
  ASSERT_EQ(before_N.size(), 6u);
  const nlohmann::json summary{{"before.reward", eval["before"]["reward"]}, {"before.ned", eval["before"]["ned"]},
                               {"after.reward", eval["after"]["reward"]}, {"delta.reward", eval["delta"]["reward"]},
                               {"delta.reward_se", eval["delta"]["reward_se"]}, {"steps", 1}};

  // The "before" evaluation is `varrl eval --heldout 6` of the base model: same prompts, same noise.
  // Image by image (`--per-image`): the same rewards as the demo's eval.json.
  const fs::path per_image = work / "per_image.jsonl";
  ASSERT_EQ(run_varrl("eval --ckpt " + kModel + " --heldout 6 --per-image " + per_image.string(), work / "eval.log",
                      &line), 0)
      << read_file((work / "eval.log").string());
  auto ev = nlohmann::json::parse(line);
  EXPECT_DOUBLE_EQ(ev["reward"].get<double>(), summary["before.reward"].get<double>());
  EXPECT_DOUBLE_EQ(ev["ned"].get<double>(), summary["before.ned"].get<double>());
  const std::string lines = read_file(per_image.string());
  size_t start = 0;
  for (size_t k = 0; k < before_N.size(); ++k) {
    const size_t end = lines.find('\n', start);
    ASSERT_NE(end, std::string::npos) << "line " << k << " missing in " << per_image;
    auto rec = nlohmann::json::parse(lines.substr(start, end - start));
    EXPECT_EQ(rec["prompt_index"].get<size_t>(), k);
    EXPECT_DOUBLE_EQ(rec["reward"].get<double>(), before_N[k]) << k;
    EXPECT_TRUE(rec.contains("read") && rec.contains("text"));
    start = end + 1;
  }
  EXPECT_EQ(start, lines.size());

  // `--paired`: the trained policy evaluated against that file gives the demo's own paired change and its error; the
  // base against itself changes by exactly 0; other prompts are refused with one error line.
  const std::string paired = " --heldout 6 --paired " + per_image.string();
  ASSERT_EQ(run_varrl("eval --ckpt " + out.string() + paired, work / "paired.log", &line), 0)
      << read_file((work / "paired.log").string());
  ev = nlohmann::json::parse(line);
  EXPECT_NEAR(ev["delta.reward"].get<double>(), summary["delta.reward"].get<double>(), 1e-12);
  EXPECT_NEAR(ev["delta.reward_se"].get<double>(), summary["delta.reward_se"].get<double>(), 1e-12);
  ASSERT_EQ(run_varrl("eval --ckpt " + kModel + paired, work / "self.log", &line), 0);
  ev = nlohmann::json::parse(line);
  EXPECT_EQ(ev["delta.reward"].get<double>(), 0.0);
  EXPECT_EQ(ev["delta.reward_se"].get<double>(), 0.0);
  ASSERT_NE(run_varrl("eval --ckpt " + kModel + " --heldout 5 --paired " + per_image.string(), work / "bad.log",
                      nullptr), 0);
  EXPECT_NE(read_file((work / "bad.log").string()).find("--paired needs the same prompts"), std::string::npos);

  // `--grid` shows every sample of each of the first prompts in one row: the demo's 6 prompts x 1 sample make 6
  // rows of one image (eval_before.png); 2 prompts x 3 samples make 2 rows of three (zoom 2, pad 4, captions 18).
  const Image one = read_png((out / "eval_before.png").string());
  const int w = (one.width - 8) / 2, h = ((one.height - 4) / 6 - 22) / 2;  // one image's size
  ASSERT_EQ(one.height, 4 + 6 * (2 * h + 22));
  // `--save-images` beside it writes all 6 samples and a prompts file that `varrl reward` scores to the same mean.
  const fs::path saved = work / "saved";
  ASSERT_EQ(run_varrl("eval --ckpt " + kModel + " --heldout 2 --n 3 --grid " + (work / "grid.png").string() +
                          " --save-images " + saved.string(),
                      work / "grid.log", &line), 0)
      << read_file((work / "grid.log").string());
  const Image three = read_png((work / "grid.png").string());
  EXPECT_EQ(three.width, 4 + 3 * (2 * w + 4));
  EXPECT_EQ(three.height, 4 + 2 * (2 * h + 22));
  const double grid_reward = nlohmann::json::parse(line)["reward"].get<double>();
  EXPECT_TRUE(fs::exists(saved / "img" / "000001_02.png"));
  EXPECT_EQ(read_png((saved / "img" / "000000_00.png").string()).width, w);
  ASSERT_EQ(run_varrl("reward --reward ocr_ned --no-metrics --prompts " + (saved / "prompts.jsonl").string(),
                      work / "rescore.log", &line), 0)
      << read_file((work / "rescore.log").string());
  auto rescored = nlohmann::json::parse(line);
  EXPECT_EQ(rescored["count"].get<int>(), 6);
  EXPECT_NEAR(rescored["mean"].get<double>(), grid_reward, 1e-12);
  const std::string saved_list = read_file((saved / "prompts.jsonl").string());
  // A folder that holds saved images is not written over.
  ASSERT_NE(run_varrl("eval --ckpt " + kModel + " --heldout 1 --save-images " + saved.string(),
                      work / "saved_again.log", nullptr), 0);
  EXPECT_NE(read_file((work / "saved_again.log").string()).find("--save-images writes only into a new folder"),
            std::string::npos);
  EXPECT_EQ(read_file((saved / "prompts.jsonl").string()), saved_list);

  // The held-out curve: a point at the start and at the end (no rl.eval_every), the same numbers as before/after.
  ASSERT_EQ(eval["curve"].size(), 2u);
  EXPECT_EQ(eval["curve"][0]["step"].get<int>(), 0);
  EXPECT_DOUBLE_EQ(eval["curve"][0]["reward"].get<double>(), summary["before.reward"].get<double>());
  EXPECT_EQ(eval["curve"][1]["step"].get<int>(), summary["steps"].get<int>());
  EXPECT_DOUBLE_EQ(eval["curve"][1]["reward"].get<double>(), summary["after.reward"].get<double>());
  EXPECT_DOUBLE_EQ(eval["curve"][1]["delta"].get<double>(), eval["delta"]["reward"].get<double>());

}

// `varrl ablate --eval-rl-prompts N` scores each run and the base on the rl.prompts file, N samples per prompt, with
// `varrl eval`'s seeds: a run's column equals `varrl eval --ckpt RUN --prompts FILE --n N`. Runs finished before the
// option was given get the evaluation on the next call without training again (their held-out "after" unchanged).
TEST(Ablate, EvaluatesRunsOnTheirRlPrompts) {
  const fs::path work = temp_dir("ablate"), out = work / "abl", pool = work / "pool";
  ASSERT_EQ(run_varrl("render --config " + kModel + "/config.yaml --count 2 --seed 5 --out " + pool.string(),
                      work / "render.log", nullptr), 0);
  const std::string prompts = (pool / "prompts.jsonl").string();
  const std::string args = "ablate --out " + out.string() + " --seeds 1 --steps 1 --variants grpo --eval-prompts 2" +
                           " --set rl.base=" + kModel + " --set rl.prompts=" + prompts +
                           " --set rl.prompts_per_step=2 --set rl.group_size=4";
  ASSERT_EQ(run_varrl(args, work / "first.log", nullptr), 0) << read_file((work / "first.log").string());
  const auto first = nlohmann::json::parse(read_file((out / "grpo-s0" / "eval.json").string()));
  EXPECT_FALSE(first.contains("rl_prompts"));
  EXPECT_FALSE(fs::exists(out / "base_eval_rl_prompts.json"));
  const std::string metrics = read_file((out / "grpo-s0" / "metrics.jsonl").string());

  ASSERT_EQ(run_varrl(args + " --eval-rl-prompts 2", work / "second.log", nullptr), 0)
      << read_file((work / "second.log").string());
  EXPECT_EQ(read_file((out / "grpo-s0" / "metrics.jsonl").string()), metrics);  // not trained again
  const auto eval = nlohmann::json::parse(read_file((out / "grpo-s0" / "eval.json").string()));
  EXPECT_EQ(eval["after"]["rewards"], first["after"]["rewards"]);
  ASSERT_TRUE(eval.contains("rl_prompts"));
  EXPECT_EQ(eval["rl_prompts"]["images"].get<int>(), 4);
  std::string line;
  ASSERT_EQ(run_varrl("eval --ckpt " + (out / "grpo-s0").string() + " --prompts " + prompts + " --n 2",
                      work / "eval.log", &line), 0)
      << read_file((work / "eval.log").string());
  EXPECT_DOUBLE_EQ(nlohmann::json::parse(line)["reward"].get<double>(), eval["rl_prompts"]["reward"].get<double>());
  ASSERT_EQ(run_varrl("eval --ckpt " + kModel + " --prompts " + prompts + " --n 2", work / "base.log", &line), 0);
  const auto base = nlohmann::json::parse(read_file((out / "base_eval_rl_prompts.json").string()));
  EXPECT_DOUBLE_EQ(nlohmann::json::parse(line)["reward"].get<double>(), base["reward"].get<double>());

  // The base's held-out evaluation keeps its per-image rewards, and the run's paired change against it is the
  // table's "held-out change vs base" (the run's own eval.json delta, as this run evaluated the base).
  const auto base_heldout = nlohmann::json::parse(read_file((out / "base_eval.json").string()));
  EXPECT_EQ(base_heldout["rewards"], eval["before"]["rewards"]);
  // The table carries the columns and the base's line.
  const auto table = nlohmann::json::parse(read_file((out / "ablation.json").string()));
  const auto header = table["header"].get<std::vector<std::string>>();
  const auto col = std::find(header.begin(), header.end(), "RL-prompt reward") - header.begin();
  ASSERT_LT(col, static_cast<long>(header.size()));
  ASSERT_EQ(table["rows"].size(), 1u);
  EXPECT_NE(table["rows"][0][col].get<std::string>(), "-") << table["rows"][0].dump();
  const auto change_col = std::find(header.begin(), header.end(), "held-out change vs base") - header.begin();
  ASSERT_LT(change_col, static_cast<long>(header.size()));
  char change[64];
  std::snprintf(change, sizeof change, "%+.3f ± 0.000", eval["delta"]["reward"].get<double>());
  EXPECT_EQ(table["rows"][0][change_col].get<std::string>(), change);
  EXPECT_NE(read_file((out / "ablation.md").string()).find("Base model, RL prompts: reward"), std::string::npos);

  // Without a prompts file there is nothing to score: one clear error.
  ASSERT_NE(run_varrl("ablate --out " + (work / "abl2").string() + " --seeds 1 --steps 1 --variants grpo " +
                          "--eval-prompts 0 --eval-rl-prompts 2 --set rl.base=" + kModel +
                          " --set rl.prompts_per_step=1 --set rl.group_size=2",
                      work / "bad.log", nullptr), 0);
  EXPECT_NE(read_file((work / "bad.log").string()).find("needs a prompts file"), std::string::npos)
      << read_file((work / "bad.log").string());
  EXPECT_FALSE(fs::exists(work / "abl2" / "grpo-s0"));  // it failed before any run began
}

// The paired change of two evaluations over the same images, by hand: differences 1, 0, 2 have mean 1, sample
// standard deviation 1 and so a standard error of 1 / sqrt(3); unequal sizes are an error.
TEST(Evaluate, PairedDifferenceByHand) {
  auto d = paired_difference({1, 2, 3}, {2, 2, 5});
  EXPECT_EQ(d.n, 3);
  EXPECT_DOUBLE_EQ(d.mean, 1.0);
  EXPECT_NEAR(d.se, 1.0 / std::sqrt(3.0), 1e-12);
  EXPECT_DOUBLE_EQ(paired_difference({0.5}, {0.25}).mean, -0.25);
  EXPECT_DOUBLE_EQ(paired_difference({0.5}, {0.25}).se, 0.0);
  EXPECT_THROW(paired_difference({1, 2}, {1}), Error);
}
