// `varrl demo` end to end on the shipped model (models/default), its report in headless Chromium, its "before"
// numbers equal to `varrl eval --heldout` (same prompts and noise), a refused second run that leaves the first intact,
// the shipped weights reproducing their documented held-out metrics, and `varrl ablate`'s evaluation on the RL prompts.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <limits>
#include <set>
#include <nlohmann/json.hpp>

#include "browser_check.h"
#include "run_varrl.h"
#include "temp_dir.h"
#include "varrl/core/atomic_file.h"
#include "varrl/core/error.h"
#include "varrl/core/metrics.h"
#include "varrl/core/tensor_io.h"
#include "varrl/data/prompt_record.h"
#include "varrl/data/word_list.h"
#include "varrl/model/text_encoder.h"
#include "varrl/rl/evaluate.h"
#include "varrl/tokenizer/tokenizer_io.h"

namespace fs = std::filesystem;
using namespace varrl;
using namespace varrl::test;
using varrl::testing::run_varrl;
using varrl::testing::temp_dir;

namespace {

const std::string kModel = std::string(VARRL_SOURCE_DIR) + "/models/default";

// The largest absolute difference between same-named tensors of two safetensors files (which must hold the same names).
double max_abs_diff(const std::string& a, const std::string& b) {
  auto ta = load_tensors(a), tb = load_tensors(b);
  EXPECT_EQ(ta.size(), tb.size()) << a << " vs " << b;
  double d = 0;
  for (auto& [k, v] : ta) {  // equal entries count 0 (masks hold -inf); a NaN against a number counts as infinite
    auto diff = torch::where(tb.at(k) == v, torch::zeros_like(v), (tb.at(k) - v).abs());
    d = std::max(d, diff.nan_to_num(std::numeric_limits<double>::infinity()).max().item<double>());
  }
  return d;
}

}  // namespace

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

TEST(ShippedModel, ReproducesItsDocumentedHeldoutMetrics) {
  // models/default/eval_heldout.json was written by `varrl eval --ckpt models/default --heldout 100`
  // (docs/base-model.md).
  const auto doc = nlohmann::json::parse(read_file(kModel + "/eval_heldout.json"));
  const fs::path work = temp_dir("shipped");
  std::string line;
  ASSERT_EQ(run_varrl("eval --ckpt " + kModel + " --heldout " + std::to_string(doc["prompts"].get<int>()),
                      work / "eval.log", &line), 0)
      << read_file((work / "eval.log").string());
  auto ev = nlohmann::json::parse(line);
  // Same prompts and seeds; only floating-point summation order (BLAS, threads) can differ between machines.
  EXPECT_NEAR(ev["reward"].get<double>(), doc["reward"].get<double>(), 0.03);
  EXPECT_NEAR(ev["word_accuracy"].get<double>(), doc["word_accuracy"].get<double>(), 0.03);
  EXPECT_NEAR(ev["ned"].get<double>(), doc["ned"].get<double>(), 0.03);
}

// `rl.eval_every` adds held-out points during the run to eval.json's "curve": steps 0, 2 and 3 for 3 steps; each
// point after the first carries its paired change against "before"; the last point is the "after" evaluation.
TEST(ShippedModel, RlEvalEveryWritesAHeldoutCurve) {
  const fs::path work = temp_dir("eval_every"), out = work / "rl";
  const std::string args = "rl --out " +
                           out.string() + " --set rl.base=" + kModel +
                           " --set rl.steps=3 --set rl.eval_every=2 --set rl.eval_prompts=4 --set rl.ckpt_every=2"
                           " --set rl.prompts_per_step=1 --set rl.group_size=4 --set rl.warmup_steps=0";
  ASSERT_EQ(run_varrl(args, work / "rl.log", nullptr), 0) << read_file((work / "rl.log").string());
  const auto eval = nlohmann::json::parse(read_file((out / "eval.json").string()));
  const auto& curve = eval["curve"];
  ASSERT_EQ(curve.size(), 3u) << curve.dump();
  const std::vector<int> steps{0, 2, 3};
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(curve[i]["step"].get<int>(), steps[i]);
    EXPECT_GE(curve[i]["reward_se"].get<double>(), 0.0);
    EXPECT_EQ(curve[i].contains("delta"), i > 0);
  }
  EXPECT_DOUBLE_EQ(curve[0]["reward"].get<double>(), eval["before"]["reward"].get<double>());
  EXPECT_DOUBLE_EQ(curve[2]["reward"].get<double>(), eval["after"]["reward"].get<double>());
  EXPECT_DOUBLE_EQ(curve[2]["delta"].get<double>(), eval["delta"]["reward"].get<double>());
  EXPECT_NEAR(curve[1]["delta"].get<double>(),
              curve[1]["reward"].get<double>() - curve[0]["reward"].get<double>(), 1e-12);
  EXPECT_FALSE(eval.contains("during"));
  EXPECT_FALSE(fs::exists(out / "eval_during.png"));
}

// `varrl eval --n 4` adds best-of-n statistics: the best of a prompt's 4 samples is at least its first sample (the one
// `--n 1` draws with the same seed), the spread is a standard deviation of values in [0, 1], and `--n 1` has no such
// keys.
TEST(ShippedModel, EvalBestOfNIsAtLeastItsFirstSample) {
  const fs::path work = temp_dir("best_of_n");
  std::string one, four;
  ASSERT_EQ(run_varrl("eval --ckpt " + kModel + " --heldout 4 --n 1", work / "one.log", &one), 0)
      << read_file((work / "one.log").string());
  ASSERT_EQ(run_varrl("eval --ckpt " + kModel + " --heldout 4 --n 4", work / "four.log", &four), 0)
      << read_file((work / "four.log").string());
  auto e1 = nlohmann::json::parse(one), e4 = nlohmann::json::parse(four);
  EXPECT_FALSE(e1.contains("best_of_n_reward"));
  ASSERT_TRUE(e4.contains("best_of_n_reward")) << four;
  EXPECT_EQ(e4["images"].get<long>(), 16);
  EXPECT_GE(e4["best_of_n_reward"].get<double>(), e1["reward"].get<double>() - 1e-12);
  EXPECT_GE(e4["best_of_n_reward"].get<double>(), e4["reward"].get<double>() - 1e-12);
  EXPECT_LE(e4["best_of_n_reward"].get<double>(), 1.0);
  EXPECT_GE(e4["group_std"].get<double>(), 0.0);
  EXPECT_LE(e4["group_std"].get<double>(), 0.5);
  const double perfect = e4["any_perfect"].get<double>() * 4;
  EXPECT_DOUBLE_EQ(perfect, std::round(perfect));  // a fraction of 4 prompts
}

// A model folder written by an older version may name config keys since removed (docs/experiments.md): it loads
// with one warning line naming them, and samples byte for byte what the shipped folder samples.
TEST(ShippedModel, FolderWithARemovedKeyLoadsWithOneWarning) {
  const fs::path work = temp_dir("sample"), old = work / "old_model";
  fs::create_directories(old);
  for (const char* f : {"policy.safetensors", "tokenizer.safetensors"}) fs::copy_file(kModel + "/" + f, old / f);
  std::string cfg = read_file(kModel + "/config.yaml");
  cfg.replace(cfg.find("\nmodel:\n"), 8, "\nmodel:\n  layout_bias: false\n");
  cfg.replace(cfg.find("\nrl:\n"), 5, "\nrl:\n  char_credit: 0.0\n");
  varrl::write_file_atomic((old / "config.yaml").string(), cfg);
  const std::string args = " --prompt 'a sign that says \"OPEN\"' --n 2 --seed 5 --out ";
  ASSERT_EQ(run_varrl("sample --ckpt " + kModel + args + (work / "shipped.png").string(), work / "shipped.log", nullptr),
            0)
      << read_file((work / "shipped.log").string());
  ASSERT_EQ(run_varrl("sample --ckpt " + old.string() + args + (work / "old.png").string(), work / "old.log", nullptr),
            0)
      << read_file((work / "old.log").string());
  const std::string shipped = read_file((work / "shipped.png").string());
  EXPECT_GT(shipped.size(), 1000u);
  EXPECT_TRUE(shipped == read_file((work / "old.png").string()));
  const std::string log = read_file((work / "old.log").string());
  const auto at = log.find("ignoring keys this version does not have: model.layout_bias, rl.char_credit");
  EXPECT_NE(at, std::string::npos) << log;
  EXPECT_EQ(log.find("ignoring keys", at + 1), std::string::npos) << log;  // one line
  EXPECT_EQ(read_file((work / "shipped.log").string()).find("ignoring keys"), std::string::npos);
}

// `varrl pretrain --init MODEL` starts from MODEL's policy weights: one step at lr 0 writes them back unchanged (up to
// the EMA's rounding), while the same step without --init writes a freshly initialised policy far from them.
TEST(ShippedModel, PretrainInitWarmStartsFromItsWeights) {
  const fs::path work = temp_dir("init");
  const std::string mono = " --set render.style=mono --set render.max_chars=10 --set render.max_words=1";
  ASSERT_EQ(
      run_varrl("render --count 4 --seed 5 --out " + (work / "data").string() + mono, work / "render.log", nullptr), 0)
      << read_file((work / "render.log").string());
  const std::string common = " --data " + (work / "data").string() +
                             " --set pretrain.steps=1 --set pretrain.lr=0 --set pretrain.warmup_steps=0"
                             " --set pretrain.batch_size=4 --set pretrain.log_every=1 --threads 2";
  ASSERT_EQ(run_varrl("pretrain --init " + kModel + " --out " + (work / "warm").string() + common, work / "warm.log",
                      nullptr), 0)
      << read_file((work / "warm.log").string());
  ASSERT_EQ(run_varrl("pretrain --tokenizer " + kModel + " --out " + (work / "cold").string() + common,
                      work / "cold.log", nullptr), 0)
      << read_file((work / "cold.log").string());
  EXPECT_NE(run_varrl("pretrain --init " + kModel + " --resume --out " + (work / "warm").string() + common,
                      work / "both.log", nullptr), 0);
  EXPECT_LT(max_abs_diff(kModel + "/policy.safetensors", (work / "warm/policy.safetensors").string()), 1e-5);
  EXPECT_GT(max_abs_diff(kModel + "/policy.safetensors", (work / "cold/policy.safetensors").string()), 1e-2);
}

// `varrl tokenizer train --init` starts from the given tokenizer's weights: with lr 0 (and no dead-code restart)
// one step leaves them unchanged; without --init the same command starts from a random tokenizer.
TEST(ShippedModel, TokenizerInitWarmStartsFromItsWeights) {
  const fs::path work = temp_dir("tok_init");
  const std::string mono = " --set render.style=mono --set render.max_chars=10 --set render.max_words=1";
  ASSERT_EQ(
      run_varrl("render --count 4 --seed 5 --out " + (work / "data").string() + mono, work / "render.log", nullptr), 0)
      << read_file((work / "render.log").string());
  const std::string common =
      " --data " + (work / "data").string() +
      " --set tokenizer_train.steps=1 --set tokenizer_train.lr=0 --set tokenizer_train.warmup_steps=0"
      " --set tokenizer_train.batch_size=4 --set tokenizer_train.dead_code_every=0 --threads 2";
  ASSERT_EQ(run_varrl("tokenizer train --init " + kModel + " --out " + (work / "warm").string() + common,
                      work / "warm.log", nullptr), 0)
      << read_file((work / "warm.log").string());
  ASSERT_EQ(run_varrl("tokenizer train --out " + (work / "cold").string() + mono + common, work / "cold.log", nullptr),
            0)
      << read_file((work / "cold.log").string());
  EXPECT_NE(run_varrl("tokenizer train --init " + kModel + " --resume --out " + (work / "warm").string() + common,
                      work / "both.log", nullptr), 0);
  const std::string shipped = kModel + "/tokenizer.safetensors";
  EXPECT_LT(max_abs_diff(shipped, (work / "warm/tokenizer.safetensors").string()), 1e-6);
  EXPECT_GT(max_abs_diff(shipped, (work / "cold/tokenizer.safetensors").string()), 1e-2);
  // `tokenizer eval --per-image`: one line per image whose rewards average to the summary's.
  std::string summary_line;
  const std::string per_image = (work / "per_image.jsonl").string();
  ASSERT_EQ(run_varrl("tokenizer eval --ckpt " + kModel + " --data " + (work / "data").string() + " --per-image " +
                          per_image + " --threads 2",
                      work / "eval.log", &summary_line), 0)
      << read_file((work / "eval.log").string());
  const auto summary = nlohmann::json::parse(summary_line);
  const auto lines = read_jsonl(per_image);
  ASSERT_EQ(lines.size(), 4u);
  double orig = 0, recon = 0;
  for (const auto& l : lines) {
    EXPECT_FALSE(l.at("text").get<std::string>().empty());
    orig += l.at("reward_original").get<double>() / 4, recon += l.at("reward_reconstruction").get<double>() / 4;
  }
  EXPECT_NEAR(orig, summary.at("ocr_ned_original").get<double>(), 1e-9);
  EXPECT_NEAR(recon, summary.at("ocr_ned_reconstruction").get<double>(), 1e-9);
  EXPECT_GT(orig, 0.5);  // the renders' own text is read
}
