// Bad input on the command line and damaged run folders: each case must stop with a normal non-zero exit (no crash, no
// hang, no run that silently does nothing), one line that names the bad option or config key, and nothing written.
// Before these checks, `sample --n 0` crashed (SIGSEGV), `demo --minutes -1` trained without end, `rl --set rl.steps=0`
// and `ablate --seeds 0` "succeeded" with nothing done, and `rl --set rl.inner_epochs=0` failed inside the first step
// with a JSON library message.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <sstream>
#include <vector>

#include "run_varrl.h"
#include "temp_dir.h"
#include "varrl/core/atomic_file.h"

namespace fs = std::filesystem;
using varrl::read_file;
using varrl::testing::kModel;
using varrl::testing::run_varrl;
using varrl::testing::temp_dir;

namespace {

struct BadCall {
  std::string args;      // after `varrl`; OUT is replaced by a folder that must stay absent
  std::string expected;  // how the error line ends
};

// The lines of stderr that are not log lines ("[hh:mm:ss] info ...").
std::vector<std::string> message_lines(const std::string& err) {
  std::vector<std::string> lines;
  std::istringstream in(err);
  for (std::string l; std::getline(in, l);)
    if (!l.empty() && l[0] != '[') lines.push_back(l);
  return lines;
}

}  // namespace

TEST(CliErrors, BadOptionsAndConfigValuesStopWithOneLineAndWriteNothing) {
  const fs::path work = temp_dir("cli_errors");
  const std::string rl = "rl --set rl.base=" +
                         kModel + " --out OUT ";
  const std::string eval = "eval --ckpt " + kModel + " --heldout 2 ";
  const std::string pretrain = "pretrain --init " + kModel + " --data " + kModel + " --out OUT ";
  const std::vector<BadCall> calls = {
      {"sample --ckpt " + kModel + " --prompt x --out OUT --n 0", "--n: must be > 0, got 0"},
      {eval + "--n 0", "--n: must be > 0, got 0"},
      {eval + "--n abc", "--n: expects a number, got 'abc'"},
      {"eval --ckpt " + kModel + " --heldout -3", "--heldout: must be > 0, got -3"},
      {eval + "--limit 0", "--limit: must be > 0, got 0"},
      {eval + "--threads -4", "--threads: must be >= 0, got -4"},
      {eval + "--set runtime.threads=-2", "runtime.threads must be >= 0 (0 = all cores), got -2"},
      {eval + "--set sampler.cfg=-1", "sampler.cfg must be >= 0 (0 = no guidance)"},
      {eval + "--set sampler.top_k=-1", "sampler.top_k must be >= 0 (0 = off)"},
      {eval + "--set sampler.batch_size=0", "sampler.batch_size must be >= 1, got 0"},
      {"demo --minutes -1 --base " + kModel + " --out OUT", "--minutes: must be >= 0, got -1"},
      {"demo --control 0 --base " + kModel + " --out OUT", "--control: must be > 0, got 0"},
      {"demo --steps 0 --base " + kModel + " --out OUT", "--steps: must be > 0, got 0"},
      // A word the renderer cannot draw stops the demo before its folder is written.
      {"demo --words 'caf\xc3\xa9' --base " + kModel + " --out OUT",
       "demo: word 'caf\xc3\xa9' has a character the renderer cannot draw (printable ASCII only, no \")"},
      {"demo --words UNIT,extraordinarily --base " + kModel + " --out OUT",
       "demo: word 'extraordinarily' is too long for the image (at most 10 characters, render.max_chars)"},
      {"ablate --seeds 0 --out OUT", "--seeds: must be > 0, got 0"},
      {"ablate --steps 0 --out OUT", "--steps: must be > 0, got 0"},
      {"render --count 0 --out OUT", "--count: must be > 0, got 0"},
      {rl + "--set rl.steps=0", "config key 'rl.steps' must be >= 1, got 0"},
      {rl + "--set rl.prompts_per_step=0", "config key 'rl.prompts_per_step' must be >= 1, got 0"},
      {rl + "--set rl.vmr.enabled=false --set rl.group_size=1", "config key 'rl.group_size' must be >= 2, got 1"},
      {rl + "--set rl.inner_epochs=0", "config key 'rl.inner_epochs' must be >= 1, got 0"},
      {rl + "--set rl.panw.alpha=-1", "config key 'rl.panw.alpha' must be >= 0, got -1"},
      {rl + "--set rl.max_minutes=-1", "config key 'rl.max_minutes' must be >= 0, got -1"},
      {rl + "--set rl.lr=-0.001", "config key 'rl.lr' must be >= 0, got -0.001"},
      {pretrain + "--set pretrain.cond_drop=2", "config key 'pretrain.cond_drop' must be in [0, 1], got 2"},
      {pretrain + "--set pretrain.batch_size=0", "config key 'pretrain.batch_size' must be >= 1, got 0"},
      {rl + "--set rl.clip_eps_low=1", "config key 'rl.clip_eps_low' must be in [0, 1), got 1"},
      {rl + "--set rl.adam_betas=[0.9]", "config key 'rl.adam_betas' must be two numbers in [0, 1), e.g. [0.9, 0.95]"},
      // Every option string is an enum read before anything is written (a typo used to run the other mode).
      {rl + "--set rl.vmr.suffix_group=bogus", "config key 'rl.vmr.suffix_group' must be one of prefix, prompt; got 'bogus'"},
      {rl + "--set rl.vmr.schedule=PX", "config key 'rl.vmr.schedule' must be a string of P, S and B (e.g. PPPS); got 'PX'"},
      {rl + "--set rl.adv_norm=bogus", "config key 'rl.adv_norm' must be one of group, batch, none; got 'bogus'"},
      {rl + "--set rl.ratio_level=bogus", "config key 'rl.ratio_level' must be one of token, grid; got 'bogus'"},
      {rl + "--set rl.loss_agg=bogus", "config key 'rl.loss_agg' must be one of token_mean, seq_mean, sum; got 'bogus'"},
      {rl + "--set rl.logprob=bogus", "config key 'rl.logprob' must be one of policy, sampling; got 'bogus'"},
      {rl + "--set rl.mp.pool=bogus", "config key 'rl.mp.pool' must be one of max, area; got 'bogus'"},
      {rl + "--set rl.mp.scope=bogus", "config key 'rl.mp.scope' must be one of group, sample; got 'bogus'"},
      {rl + "--set rl.mp.normalize=bogus", "config key 'rl.mp.normalize' must be one of scale, none; got 'bogus'"},
      {rl + "--set rl.panw.normalize=bogus", "config key 'rl.panw.normalize' must be one of schedule, active; got 'bogus'"},
      {rl + "--set rl.rollout.cfg_schedule=bogus", "config key 'rl.rollout.cfg_schedule' must be one of linear, constant; got 'bogus'"},
      {rl + "--set sampler.cfg_schedule=bogus", "config key 'sampler.cfg_schedule' must be one of linear, constant; got 'bogus'"},
      {rl + "--set model.cross_attn_text=bogus", "config key 'model.cross_attn_text' must be one of all, quoted; got 'bogus'"},
      {rl + "--set render.style=bogus", "config key 'render.style' must be one of random, plain, mono; got 'bogus'"},
      {"ablate --protocol paper --set rl.base=" + kModel + " --set rl.vmr.suffix_group=bogus --out OUT",
       "config key 'rl.vmr.suffix_group' must be one of prefix, prompt; got 'bogus'"},
  };
  int i = 0;
  for (const auto& c : calls) {
    const fs::path out = work / ("out" + std::to_string(i)), log = work / ("call" + std::to_string(i++) + ".log");
    std::string args = c.args;
    if (const auto at = args.find("OUT"); at != std::string::npos) args.replace(at, 3, out.string());
    const int status = run_varrl(args, log);
    ASSERT_TRUE(WIFEXITED(status)) << args;
    const int rc = WEXITSTATUS(status);
    const std::string err = read_file(log.string());
    EXPECT_TRUE(rc > 0 && rc < 128) << args << "\nexit " << rc << " (>= 128: killed by a signal through sh)\n" << err;
    const auto lines = message_lines(err);
    ASSERT_FALSE(lines.empty()) << args;
    const std::string& line = lines.front();
    EXPECT_TRUE(line.size() >= c.expected.size() && line.compare(line.size() - c.expected.size(), std::string::npos,
                                                                 c.expected) == 0)
        << args << "\nexpected the line to end with: " << c.expected << "\n" << err;
    EXPECT_LE(lines.size(), 2u) << args << "\n" << err;  // CLI11 adds "Run with --help for more information."
    EXPECT_FALSE(fs::exists(out)) << args << ": wrote " << out;
  }
  fs::remove_all(work);
}

// A damaged run folder: `rl --resume` stops with one line naming the damaged file, and the run's metrics and weights
// stay byte for byte as they were (nothing is rewritten before everything has been read).
TEST(CliErrors, DamagedRunStateStopsResumeWithOneLineAndLeavesTheRunAsItWas) {
  const fs::path work = temp_dir("cli_state");
  const fs::path run = work / "run";
  ASSERT_EQ(run_varrl("rl --set rl.base=" +
                          kModel + " --out " + run.string() + " --set rl.steps=1 --set rl.prompts_per_step=1" +
                          " --set rl.group_size=4 --set rl.eval_prompts=0 --set rl.sample_every=0 --threads 2",
                      work / "first.log"),
            0)
      << read_file((work / "first.log").string());
  auto truncate = [](const fs::path& p) { fs::resize_file(p, 300); };
  auto overwrite = [](const std::string& text) {
    return [text](const fs::path& p) { varrl::write_file_atomic(p.string(), text); };
  };
  struct Damage {
    std::string file;  // relative to the run folder
    std::function<void(const fs::path&)> apply;
  };
  const std::vector<Damage> damages = {
      {"state/rl_optim.safetensors", truncate},     {"state/policy_raw.safetensors", truncate},
      {"state/rl_state.json", overwrite("{")},      {"state/rl_state.json", overwrite("{}")},
      {"state/rl_state.json", overwrite("{\"step\": -1}")}, {"config.yaml", overwrite("rl: [")},
      {"metrics.jsonl", overwrite("garbage\n")},
  };
  int i = 0;
  for (const auto& d : damages) {
    const fs::path copy = work / ("damaged" + std::to_string(i)),
                   log = work / ("resume" + std::to_string(i++) + ".log");
    fs::copy(run, copy, fs::copy_options::recursive);
    d.apply(copy / d.file);
    const std::string metrics = read_file((copy / "metrics.jsonl").string());
    const std::string policy = read_file((copy / "policy.safetensors").string());
    const int status = run_varrl("rl --resume " + copy.string() + " --set rl.steps=2 --threads 2", log);
    ASSERT_TRUE(WIFEXITED(status)) << d.file;
    const std::string err = read_file(log.string());
    EXPECT_TRUE(WEXITSTATUS(status) > 0 && WEXITSTATUS(status) < 128) << d.file << "\n" << err;
    const auto lines = message_lines(err);
    ASSERT_EQ(lines.size(), 1u) << d.file << "\n" << err;
    EXPECT_NE(lines[0].find((copy / d.file).string()), std::string::npos) << "the line names the file:\n" << lines[0];
    EXPECT_EQ(read_file((copy / "metrics.jsonl").string()), metrics) << d.file;
    EXPECT_EQ(read_file((copy / "policy.safetensors").string()), policy) << d.file;
  }
  fs::remove_all(work);
}

// Hostile input files (issue #43): a self-referencing YAML anchor in a --config file or a model folder's config.yaml
// (was SIGSEGV), a binary prompts file and prompts without quoted text under an OCR reward (were accepted), a 1 MB
// config value (was a 1 MB error line). Each: one line naming the file or key, at most ~300 bytes, exit 1.
TEST(CliErrors, HostileFilesStopWithOneShortLineNamingTheFile) {
  const fs::path work = temp_dir("cli_hostile");
  const std::string cyclic = (work / "cyclic.yaml").string(), merge = (work / "merge.yaml").string();
  varrl::write_file_atomic(cyclic, "rl: &a {vmr: *a}\n");
  varrl::write_file_atomic(merge, "rl: &a\n  steps: 3\n  <<: *a\n");
  const fs::path model = work / "model";
  fs::create_directories(model);
  fs::copy(kModel + "/tokenizer.safetensors", model / "tokenizer.safetensors");
  varrl::write_file_atomic((model / "config.yaml").string(), "model: &m {sub: *m}\n");
  const std::string binary = (work / "binary.txt").string(), plain = (work / "plain.txt").string();
  varrl::write_file_atomic(binary, std::string("a prompt\n\x89PNG\r\n\x1a\n\x00\xff\xfe", 16));
  varrl::write_file_atomic(plain, "a red sign\na blue sign\n");
  const std::string big = (work / "big.yaml").string();
  varrl::write_file_atomic(big, "sampler: {cfg: \"" + std::string(1 << 20, '7') + "x\"}\n");
  const std::string rl = "rl --set rl.base=" +
                         kModel + " --out OUT --set rl.eval_prompts=0 ";
  const std::vector<BadCall> calls = {
      {"rl --config " + cyclic + " --out OUT", cyclic + ": a YAML alias refers to a node that contains it (a cycle)"},
      {"rl --config " + merge + " --out OUT", merge + ": a YAML alias refers to a node that contains it (a cycle)"},
      {"sample --ckpt " + model.string() + " --prompt x --out OUT",
       "config.yaml: a YAML alias refers to a node that contains it (a cycle)"},
      {"sample --ckpt " + kModel + " --prompts " + binary + " --out OUT",
       binary + ":2: not valid UTF-8 text (byte 1 of the line)"},
      {rl + "--set rl.prompts=" + plain, plain + ": no prompt has a quoted \"text\" for the OCR reward (reward.weights.ocr_ned > 0) to read"},
      {"eval --ckpt " + kModel + " --prompts " + plain + " --grid OUT",
       plain + ": no prompt has a quoted \"text\" for the OCR reward (reward.weights.ocr_ned > 0) to read"},
      {"eval --ckpt " + kModel + " --heldout 2 --config " + big, "x'"},
  };
  int i = 0;
  for (const auto& c : calls) {
    const fs::path out = work / ("out" + std::to_string(i)), log = work / ("call" + std::to_string(i++) + ".log");
    std::string args = c.args;
    if (const auto at = args.find("OUT"); at != std::string::npos) args.replace(at, 3, out.string());
    const int status = run_varrl(args, log);
    ASSERT_TRUE(WIFEXITED(status)) << args.substr(0, 300) << ": killed by signal " << WTERMSIG(status);
    const std::string err = read_file(log.string());
    EXPECT_EQ(WEXITSTATUS(status), 1) << args.substr(0, 300) << "\n" << err.substr(0, 2000);
    const auto lines = message_lines(err);
    ASSERT_EQ(lines.size(), 1u) << args.substr(0, 300) << "\n" << err.substr(0, 2000);
    const std::string& line = lines.front();
    EXPECT_LE(line.size(), 330u) << line.substr(0, 400);
    EXPECT_TRUE(line.size() >= c.expected.size() &&
                line.compare(line.size() - c.expected.size(), std::string::npos, c.expected) == 0)
        << "expected the line to end with: " << c.expected << "\n" << line.substr(0, 400);
    EXPECT_FALSE(fs::exists(out)) << args.substr(0, 300) << ": wrote " << out;
  }
  fs::remove_all(work);
}
