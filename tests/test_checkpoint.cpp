// Nothing lost, nothing hung (issue #43): a checkpoint is one unit (a kill -9 between any two of its files leaves the
// previous checkpoint, and the resumed run ends bit for bit where an uninterrupted one does), one training process
// per run folder, a run stopped by SIGTERM exits 143 after its checkpoint, metrics writes that fail stop the run and a
// partial last metrics line does not block a resume. The runs are `varrl rl` on the tiny base of tiny_base.h, and
// `varrl pretrain` / `varrl tokenizer train` from the shipped model on four rendered images.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <algorithm>
#include <functional>
#include <filesystem>
#include <thread>

#include "run_varrl.h"
#include "temp_dir.h"
#include "tiny_base.h"
#include "varrl/core/atomic_file.h"
#include "varrl/core/checkpoint.h"
#include "varrl/core/error.h"
#include "varrl/core/metrics.h"
#include "varrl/core/run_lock.h"

namespace fs = std::filesystem;
using varrl::read_file;
using varrl::testing::kModel;
using varrl::testing::run_varrl;
using varrl::testing::temp_dir;

namespace {

// A 3-step run that checkpoints after every step, with an EMA policy (all five checkpoint files).
std::string rl_args(const fs::path& run, int steps = 3, const std::string& base = varrl::testing::make_tiny_base()) {
  std::string a = "rl --out " + run.string() + " --threads 1 --set rl.base=" + base;
  for (const std::string s :
       {"rl.prompts_per_step=2", "rl.group_size=4", "rl.micro_batch=8", "rl.ckpt_every=1", "rl.ema=0.9",
        "rl.eval_prompts=0", "rl.sample_every=0", "rl.vmr.enabled=false", "rl.rollout.cfg=0", "render.max_words=1",
        "reward.weights.ocr_ned=0", "reward.weights.brightness=1"})
    a += " --set " + s;
  return a + " --set rl.steps=" + std::to_string(steps);
}

const char* const kCheckpointFiles[] = {"state/policy_raw.safetensors", "state/policy_ema.safetensors",
                                        "state/rl_optim.safetensors", "state/rl_state.json", "policy.safetensors"};

int count_temp_files(const fs::path& dir) {
  int n = 0;
  for (auto& e : fs::recursive_directory_iterator(dir))
    n += e.path().filename().string().find(".tmp.") != std::string::npos;
  return n;
}

// A trainer's kill test: `start(run)` trains 3 steps with a checkpoint after each; for every kill point (a file name,
// ":n" for its n-th write, default 2, or the checkpoint steps "commit"/"exchange"), the run is killed -9 there, resumed with
// `resume(run)`, and must end with the uninterrupted run's files byte for byte, its metrics and no temp files.
struct KillCase {
  std::string name;
  std::function<std::string(const fs::path&)> start, resume;
  std::vector<std::string> points, files;
  std::string metrics, metric;  // the metrics file and a key in it that must repeat exactly
};

void kill_at_every_point_then_resume(const KillCase& c) {
  const fs::path work = temp_dir("ckpt_kill_" + c.name);
  const fs::path ref = work / "ref";
  ASSERT_EQ(run_varrl(c.start(ref), work / "ref.log"), 0) << read_file((work / "ref.log").string());
  const auto ref_metrics = varrl::read_jsonl((ref / c.metrics).string());
  ASSERT_EQ(ref_metrics.size(), 3u);
  for (const std::string& point : c.points) {
    std::string tag = point;
    std::replace(tag.begin(), tag.end(), ':', '_');
    const fs::path run = work / tag, log = work / (tag + ".log");
    const std::string spec = point.find(':') == std::string::npos ? point + ":2" : point;  // the 2nd checkpoint
    const int killed = run_varrl(c.start(run), log, nullptr, "VARRL_TEST_ABORT_AFTER=" + spec);
    ASSERT_TRUE(WIFSIGNALED(killed) || (WIFEXITED(killed) && WEXITSTATUS(killed) == 128 + SIGKILL))
        << c.name << " " << point << ": the test hook did not kill the run\n" << read_file(log.string());
    const int resumed = run_varrl(c.resume(run), work / (tag + ".resume.log"));
    ASSERT_EQ(resumed, 0) << c.name << " " << point << "\n" << read_file((work / (tag + ".resume.log")).string());
    for (const auto& f : c.files)
      EXPECT_TRUE(read_file((ref / f).string()) == read_file((run / f).string()))
          << c.name << " " << point << ": " << f << " differs";
    const auto metrics = varrl::read_jsonl((run / c.metrics).string());
    ASSERT_EQ(metrics.size(), 3u) << c.name << " " << point;
    for (size_t i = 0; i < metrics.size(); ++i)
      EXPECT_EQ(metrics[i][c.metric], ref_metrics[i][c.metric]) << c.name << " " << point << " step " << i + 1;
    EXPECT_EQ(count_temp_files(run), 0) << c.name << " " << point << ": stale temp files were left";
  }
  fs::remove_all(work);
}

// Four rendered images for pretraining and tokenizer training (made once per test process).
std::string tiny_data() {
  static const std::string dir = [] {
    const fs::path d = temp_dir("ckpt_data");
    const int rc = run_varrl("render --count 4 --seed 5 --out " + (d / "data").string() +
                                 " --set render.style=mono --set render.max_chars=10 --set render.max_words=1",
                             d / "render.log");
    if (rc != 0) throw std::runtime_error(read_file((d / "render.log").string()));
    return (d / "data").string();
  }();
  return dir;
}

}  // namespace

// kill -9 right after each file of the second checkpoint (and around the folder exchange): the resume continues from
// a complete checkpoint and its weights, optimizer state and metrics equal the uninterrupted run's byte for byte.
TEST(Checkpoint, KillAtEveryFileThenResumeEqualsAnUninterruptedRun) {
  kill_at_every_point_then_resume(
      {"rl", [](const fs::path& run) { return rl_args(run); },
       [](const fs::path& run) { return "rl --resume " + run.string() + " --threads 1"; },
       {"policy_raw.safetensors", "policy_ema.safetensors", "rl_optim.safetensors", "rl_state.json", "commit",
        "exchange:1", "exchange:2", "policy.safetensors"},
       {kCheckpointFiles, kCheckpointFiles + 5},
       "metrics.jsonl", "reward/mean"});
}

// The same for pretraining (3 steps of the shipped policy, batch 1, EMA on) ...
TEST(Checkpoint, PretrainKillAtEveryFileThenResumeEqualsAnUninterruptedRun) {
  const std::string args = " --data " + tiny_data() +
                           " --set pretrain.steps=3 --set pretrain.batch_size=1 --set pretrain.ckpt_every=1"
                           " --set pretrain.log_every=1 --set pretrain.ema=0.9 --set pretrain.warmup_steps=1"
                           " --threads 1";
  kill_at_every_point_then_resume(
      {"pretrain", [&](const fs::path& run) { return "pretrain --init " + kModel + " --out " + run.string() + args; },
       [&](const fs::path& run) { return "pretrain --resume --out " + run.string() + args; },
       // The first and last file of the unit, its commit, the exchange at checkpoints 2 and 3 (the first has no old
       // one), the model folder's copy.
       {"policy_raw.safetensors", "pretrain_state.json", "commit", "exchange:1", "exchange:2", "policy.safetensors"},
       {"policy.safetensors", "state/policy_raw.safetensors", "state/policy_ema.safetensors",
        "state/pretrain_optim.safetensors", "state/pretrain_state.json"},
       "pretrain_metrics.jsonl", "loss"});
}

// ... and for tokenizer training (3 steps of the shipped tokenizer, batch 1). tokenizer.safetensors is written twice per
// checkpoint (state/ first, then the model folder's copy): its 3rd and 4th writes belong to the second checkpoint.
TEST(Checkpoint, TokenizerKillAtEveryFileThenResumeEqualsAnUninterruptedRun) {
  const std::string args = " --data " + tiny_data() +
                           " --set tokenizer_train.steps=3 --set tokenizer_train.batch_size=1"
                           " --set tokenizer_train.ckpt_every=1 --set tokenizer_train.log_every=1"
                           " --set tokenizer_train.warmup_steps=1 --threads 1";
  kill_at_every_point_then_resume(
      {"tokenizer",
       [&](const fs::path& run) { return "tokenizer train --init " + kModel + " --out " + run.string() + args; },
       [&](const fs::path& run) { return "tokenizer train --resume --out " + run.string() + args; },
       {"tokenizer.safetensors:3", "tokenizer_optim.safetensors", "tokenizer_rng.safetensors",
        "tokenizer_state.json", "commit", "exchange:1", "exchange:2", "tokenizer.safetensors:4"},
       {"tokenizer.safetensors", "state/tokenizer.safetensors", "state/tokenizer_optim.safetensors",
        "state/tokenizer_state.json"},
       "tokenizer_metrics.jsonl", "loss"});
}

// Stale temp files and folders of a dead writer are removed by the resume; a half-published checkpoint (the old
// one moved aside, the new one not yet in place) is put back.
TEST(Checkpoint, RecoverRemovesStaleTempsAndRestoresAMovedAsideCheckpoint) {
  const fs::path run = temp_dir("ckpt_recover");
  fs::create_directories(run / "state.tmp.999999");
  varrl::write_file_atomic((run / "state.tmp.999999/rl_state.json").string(), "{\"step\": 9}");
  varrl::write_file_atomic((run / "state.old.999998/rl_state.json").string(), "{\"step\": 4}");
  varrl::write_file_atomic((run / "metrics.jsonl.tmp.999997").string(), "partial");
  varrl::write_file_atomic((run / "metrics.jsonl").string(), "{}\n");
  EXPECT_EQ(varrl::recover_checkpoint(run.string()), 2);
  EXPECT_EQ(read_file((run / "state/rl_state.json").string()), "{\"step\": 4}");
  EXPECT_EQ(count_temp_files(run), 0);
  EXPECT_FALSE(fs::exists(run / "state.old.999998"));
  fs::remove_all(run);
}

// A second trainer on a folder whose lock another process holds: one line naming the holder's PID, non-zero exit,
// and nothing in the folder changed.
TEST(Checkpoint, SecondTrainerOnALockedRunFolderStopsWithOneLineNamingThePid) {
  const fs::path work = temp_dir("ckpt_lock");
  const fs::path run = work / "run";
  ASSERT_EQ(run_varrl(rl_args(run, 1), work / "first.log"), 0) << read_file((work / "first.log").string());
  varrl::lock_run_folder(run.string());  // this test process plays the first trainer
  const std::string policy = read_file((run / "policy.safetensors").string());
  const int rc = run_varrl("rl --resume " + run.string() + " --set rl.steps=2 --threads 1", work / "second.log");
  const std::string err = read_file((work / "second.log").string());
  ASSERT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 1) << err;
  EXPECT_NE(err.find("in use by another varrl process (PID " + std::to_string(::getpid()) + ","), std::string::npos)
      << err;
  EXPECT_EQ(read_file((run / "policy.safetensors").string()), policy);
  fs::remove_all(work);
}

// SIGTERM mid-run: the run checkpoints the steps it finished, prints its summary saying it stopped, exits 143; the
// resume finishes it.
TEST(Checkpoint, SigtermExits143AfterTheCheckpoint) {
  const fs::path work = temp_dir("ckpt_term");
  const fs::path run = work / "run";
  const std::string cmd = std::string(VARRL_BINARY) + " " + rl_args(run, 1000) + " > " + (work / "out").string() +
                          " 2> " + (work / "err").string();
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const auto t0 = std::chrono::steady_clock::now();
  int status = 0;
  bool ended = false;
  while (!(fs::exists(run / "metrics.jsonl") && fs::file_size(run / "metrics.jsonl") > 0) &&
         std::chrono::steady_clock::now() - t0 < std::chrono::seconds(60) && !ended) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ended = ::waitpid(pid, &status, WNOHANG) == pid;
  }
  if (!ended) {
    ::kill(pid, SIGTERM);
    ::waitpid(pid, &status, 0);
  }
  const std::string err = read_file((work / "err").string());
  ASSERT_TRUE(WIFEXITED(status)) << err;
  EXPECT_EQ(WEXITSTATUS(status), 143) << err;
  const auto summary = nlohmann::json::parse(read_file((work / "out").string()));
  EXPECT_TRUE(summary["stopped_by_signal"].get<bool>());
  const int64_t steps = summary["steps"].get<int64_t>();
  EXPECT_GE(steps, 1);
  EXPECT_LT(steps, 1000);
  EXPECT_EQ(varrl::read_json((run / "state/rl_state.json").string())["step"].get<int64_t>(), steps);
  EXPECT_EQ(static_cast<int64_t>(varrl::read_jsonl((run / "metrics.jsonl").string()).size()), steps);
  fs::remove_all(work);
}

// A run started with a relative rl.base resumes from another working directory: the run's config.yaml holds the
// base (the frozen KL reference, re-read on resume) as an absolute path.
TEST(Checkpoint, ResumeFromAnotherWorkingDirectoryFindsTheBaseModel) {
  const fs::path work = temp_dir("ckpt_cwd");
  const fs::path run = work / "run", elsewhere = work / "elsewhere";
  fs::create_directories(elsewhere);
  const std::string base = varrl::testing::make_tiny_base();
  const std::string relative = fs::relative(base, work).string();
  ASSERT_EQ(relative.rfind("..", 0), 0u) << relative;  // resolves from work/, not from work/elsewhere/
  ASSERT_EQ(run_varrl(rl_args(run, 1, relative), work / "first.log", nullptr, "cd " + work.string() + " &&"), 0)
      << read_file((work / "first.log").string());
  EXPECT_NE(read_file((run / "config.yaml").string()).find("base: " + fs::path(base).lexically_normal().string()),
            std::string::npos);
  const int rc = run_varrl("rl --resume " + run.string() + " --set rl.steps=2 --threads 1", work / "second.log",
                           nullptr, "cd " + elsewhere.string() + " &&");
  ASSERT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0) << read_file((work / "second.log").string());
  EXPECT_EQ(varrl::read_json((run / "state/rl_state.json").string())["step"].get<int64_t>(), 2);
  fs::remove_all(work);
}

// A full disk during a metrics append is an error naming the file (it was silently ignored).
TEST(Metrics, FailedWriteIsAnErrorNamingTheFile) {
  varrl::MetricsWriter w("/dev/full", true);
  try {
    w.write({{"step", 1}, {"loss", 0.5}});
    FAIL() << "a write to a full disk went unnoticed";
  } catch (const varrl::Error& e) {
    EXPECT_NE(std::string(e.what()).find("/dev/full"), std::string::npos) << e.what();
  }
}

// A partial last line (the append that a kill or a full disk cut short) is dropped by the resume, records past the
// checkpoint too; a malformed complete line still stops it with file and line.
TEST(Metrics, ResumeTrimsAPartialLastLineAndRecordsPastTheCheckpoint) {
  const fs::path dir = temp_dir("metrics_trim");
  const std::string path = (dir / "metrics.jsonl").string();
  varrl::write_file_atomic(path, "{\"step\":1,\"r\":0.5}\n{\"step\":2,\"r\":0.6}\n{\"step\":3,\"r\":0.7}\n{\"step\":4,\"r");
  varrl::trim_jsonl_after_step(path, 2);
  EXPECT_EQ(read_file(path), "{\"step\":1,\"r\":0.5}\n{\"step\":2,\"r\":0.6}\n");
  varrl::write_file_atomic(path, "{\"step\":1}\ngarbage\n{\"step\":2}\n");
  try {
    varrl::trim_jsonl_after_step(path, 2);
    FAIL() << "a malformed complete line was accepted";
  } catch (const varrl::Error& e) {
    EXPECT_NE(std::string(e.what()).find(path + ":2:"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}
