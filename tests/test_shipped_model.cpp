// The shipped model (models/default) through the CLI: it reproduces its documented held-out metrics, `rl.eval_every`
// writes a held-out curve, `eval --n` adds best-of-n statistics, an older folder with a removed key still loads, and
// `pretrain --init` / `tokenizer train --init` warm-start from its weights.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>

#include "run_varrl.h"
#include "temp_dir.h"
#include "varrl/core/atomic_file.h"
#include "varrl/core/error.h"
#include "varrl/core/metrics.h"
#include "varrl/core/tensor_io.h"
#include "varrl/rl/evaluate.h"
#include "varrl/tokenizer/tokenizer_io.h"

namespace fs = std::filesystem;
using namespace varrl;
using varrl::testing::kModel;
using varrl::testing::run_varrl;
using varrl::testing::temp_dir;

namespace {

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

const std::string kMono = " --set render.style=mono --set render.max_chars=10 --set render.max_words=1";

// Four rendered one-word images in WORK/data: the training data of the one-step --init runs below.
void render_four_images(const fs::path& work) {
  ASSERT_EQ(run_varrl("render --count 4 --seed 5 --out " + (work / "data").string() + kMono, work / "render.log"), 0)
      << read_file((work / "render.log").string());
}

}  // namespace

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
  ASSERT_NO_FATAL_FAILURE(render_four_images(work));
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
  ASSERT_NO_FATAL_FAILURE(render_four_images(work));
  const std::string common =
      " --data " + (work / "data").string() +
      " --set tokenizer_train.steps=1 --set tokenizer_train.lr=0 --set tokenizer_train.warmup_steps=0"
      " --set tokenizer_train.batch_size=4 --set tokenizer_train.dead_code_every=0 --threads 2";
  ASSERT_EQ(run_varrl("tokenizer train --init " + kModel + " --out " + (work / "warm").string() + common,
                      work / "warm.log", nullptr), 0)
      << read_file((work / "warm.log").string());
  ASSERT_EQ(run_varrl("tokenizer train --out " + (work / "cold").string() + kMono + common, work / "cold.log", nullptr),
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
