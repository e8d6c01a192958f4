// The external reward protocol: a well-behaved program round-trips (ids, rewards, boxes, several batches); crashing,
// hanging, lying, NaN-returning and garbage-printing programs give a clear varrl::Error naming the command or a
// restart within the timeout, and this process survives (no SIGPIPE) with every child reaped.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "varrl/core/atomic_file.h"
#include "varrl/core/error.h"
#include "varrl/core/rng.h"
#include "varrl/data/render.h"
#include "varrl/reward/external_reward.h"
#include "varrl/reward/image_rewards.h"

using namespace varrl;
namespace fs = std::filesystem;

namespace {

class ExternalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("python3 -c pass >/dev/null 2>&1") != 0) GTEST_SKIP() << "python3 not installed";
    dir_ = fs::temp_directory_path() / ("varrl_test_external_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes a Python script body into the temp folder and returns a command running it.
  std::string script(const std::string& name, const std::string& body) {
    const std::string path = (dir_ / (name + ".py")).string();
    write_file_atomic(path, "import json, sys, time, os\n" + body);
    return "python3 " + path;
  }

  ExternalOptions opts(const std::string& command, double timeout_s = 5, int restarts = 2) {
    ExternalOptions o;
    o.command = command;
    o.timeout_s = timeout_s;
    o.max_restarts = restarts;
    o.tmp_dir = (dir_ / "tmp").string();
    return o;
  }

  static std::vector<PromptRecord> prompts(size_t n) {
    std::vector<PromptRecord> out(n);
    for (size_t i = 0; i < n; ++i) out[i].prompt = "a sign that says \"W" + std::to_string(i) + "\"";
    return out;
  }

  // Expects score() to throw a varrl::Error whose message names the command and contains `what`.
  void expect_error(ExternalReward& r, const std::vector<Image>& images, const std::string& what,
                    const std::string& command) {
    try {
      r.score(images, prompts(images.size()));
      FAIL() << "no error for " << what;
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(what), std::string::npos) << msg;
      EXPECT_NE(msg.find(command), std::string::npos) << msg;
    }
  }

  static bool reaped(pid_t pid) { return pid > 0 && ::kill(pid, 0) == -1 && errno == ESRCH; }

  fs::path dir_;
};

std::vector<Image> some_images(size_t n) {
  RenderOptions o;
  std::vector<Image> out;
  for (size_t i = 0; i < n; ++i) out.push_back(render_sample(o, derive_seed(77, i), false).image);
  return out;
}

const char* kReply = R"(
for line in sys.stdin:
    req = json.loads(line)
    n = len(req["ids"])
)";

}  // namespace

TEST_F(ExternalTest, ShippedBrightnessExampleRoundTrips) {
  const std::string cmd = "python3 " + std::string(VARRL_SOURCE_DIR) + "/examples/reward_brightness.py";
  ExternalReward r(opts(cmd));
  for (int batch = 0; batch < 2; ++batch) {
    auto images = some_images(batch == 0 ? 3 : 5);
    auto res = r.score(images, prompts(images.size()));
    ASSERT_EQ(res.size(), images.size());
    for (size_t i = 0; i < images.size(); ++i) {
      EXPECT_NEAR(res[i].reward, mean_brightness(images[i]), 1e-9);  // same formula as the built-in reward
      EXPECT_DOUBLE_EQ(res[i].parts.at("external"), res[i].reward);
      EXPECT_TRUE(res[i].words.empty());
    }
  }
  EXPECT_EQ(r.service().restarts_used(), 0);
  EXPECT_TRUE(fs::is_empty(dir_ / "tmp" / fs::directory_iterator(dir_ / "tmp")->path().filename()));
}

TEST_F(ExternalTest, ShuffledIdsAndBoxesAreMappedBack) {
  // Replies in reverse order with reward = the prompt's length and one box per image.
  const std::string cmd = script("rev", std::string(kReply) + R"(
    pairs = list(zip(req["ids"], req["prompts"]))[::-1]
    print(json.dumps({"ids": [i for i, _ in pairs], "rewards": [len(p) for _, p in pairs],
                      "boxes": [[[i, 1, i + 5, 9]] for i, _ in pairs]}), flush=True)
)");
  ExternalReward r(opts(cmd));
  auto images = some_images(4);
  std::vector<PromptRecord> ps = prompts(4);
  ps[2].prompt = "a much longer prompt that says \"HELLO THERE\"";
  auto res = r.score(images, ps);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_DOUBLE_EQ(res[i].reward, static_cast<double>(ps[i].prompt.size()));
    ASSERT_EQ(res[i].words.size(), 1u);
    EXPECT_EQ(res[i].words[0].box, (Box{static_cast<int>(i), 1, static_cast<int>(i) + 5, 9}));  // ids start at 0
  }
}

TEST_F(ExternalTest, CrashOnceRestartsAndRetries) {
  const std::string marker = (dir_ / "crashed").string();
  const std::string cmd = script("once", "marker = '" + marker + "'\n" + kReply + R"(
    if not os.path.exists(marker):
        open(marker, "w").close()
        sys.exit(1)
    print(json.dumps({"ids": req["ids"], "rewards": [0.5] * n}), flush=True)
)");
  ExternalReward r(opts(cmd));
  auto res = r.score(some_images(2), prompts(2));
  EXPECT_DOUBLE_EQ(res[0].reward, 0.5);
  EXPECT_EQ(r.service().restarts_used(), 1);
}

TEST_F(ExternalTest, AlwaysCrashingGivesUpWithAClearError) {
  const std::string cmd = script("crash", "sys.stdin.readline()\nsys.exit(3)\n");
  ExternalReward r(opts(cmd, 5, 2));
  expect_error(r, some_images(1), "gave up after 2 restart(s)", cmd);
  expect_error(r, some_images(1), "exited with status 3", cmd);  // still failing, still a clear error
}

TEST_F(ExternalTest, HangingProgramTimesOutAndIsKilled) {
  const std::string cmd = script("hang", "sys.stdin.readline()\ntime.sleep(1000)\n");
  ExternalReward r(opts(cmd, 0.5, 1));
  auto t0 = std::chrono::steady_clock::now();
  expect_error(r, some_images(1), "no reply within 0.5 s", cmd);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_GE(secs, 0.9);  // two attempts of 0.5 s each
  EXPECT_LT(secs, 4.0);
  EXPECT_EQ(r.service().pid(), -1);  // nothing left running
}

TEST_F(ExternalTest, WrongIdsNaNNullAndGarbageAreErrors) {
  const std::string liar = script("liar", std::string(kReply) + R"(
    print(json.dumps({"ids": [i + 1000 for i in req["ids"]], "rewards": [1.0] * n}), flush=True)
)");
  const std::string nan = script("nan", std::string(kReply) + R"(
    print(json.dumps({"ids": req["ids"], "rewards": [float("nan")] * n}), flush=True)
)");
  const std::string null = script("null", std::string(kReply) + R"(
    print(json.dumps({"ids": req["ids"], "rewards": [None] * n}), flush=True)
)");
  const std::string garbage = script("garbage", std::string(kReply) + R"(
    print("hello, I am not JSON", flush=True)
)");
  const std::string short_reply = script("short", std::string(kReply) + R"(
    print(json.dumps({"ids": req["ids"][:1], "rewards": [1.0]}), flush=True)
)");
  {
    ExternalReward r(opts(liar));
    expect_error(r, some_images(2), "wrong ids", liar);
  }
  {
    ExternalReward r(opts(nan));
    expect_error(r, some_images(2), "non-finite", nan);
  }
  {
    ExternalReward r(opts(null));
    expect_error(r, some_images(2), "not a finite number", null);
  }
  {
    ExternalReward r(opts(garbage));
    expect_error(r, some_images(2), "not JSON", garbage);
  }
  {
    ExternalReward r(opts(short_reply));
    expect_error(r, some_images(2), "must have 2 ids", short_reply);
  }
}

TEST_F(ExternalTest, ProgramThatNeverReadsDoesNotKillUsWithSigpipe) {
  // `true` exits at once; a large request then hits a closed pipe (EPIPE, not a fatal SIGPIPE).
  ExternalReward r(opts("true", 2, 2));
  std::vector<Image> images = some_images(1);
  std::vector<PromptRecord> ps = prompts(1);
  ps[0].prompt = std::string(300000, 'x');
  try {
    r.score(images, ps);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("external reward 'true'"), std::string::npos) << e.what();
  }
  SUCCEED() << "still alive";
}

TEST_F(ExternalTest, ChildIsReapedWhenTheRewardIsDestroyed) {
  const std::string cmd = "python3 " + std::string(VARRL_SOURCE_DIR) + "/examples/reward_brightness.py";
  pid_t pid = -1;
  {
    ExternalReward r(opts(cmd));
    r.score(some_images(1), prompts(1));
    pid = r.service().pid();
    ASSERT_GT(pid, 0);
    EXPECT_EQ(::kill(pid, 0), 0);  // running
  }
  EXPECT_TRUE(reaped(pid));  // gone and not a zombie
}

namespace {

// The peak resident memory of this process in MB (getrusage).
double peak_rss_mb() {
  struct rusage ru;
  ::getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0;
}

bool gone(pid_t pid) {
  if (::kill(pid, 0) == -1 && errno == ESRCH) return true;
  // A zombie whose parent is gone waits for init to reap it: it runs no more.
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

}  // namespace

// A program that streams without a newline: the deadline holds on every read, and the reply's size cap stops it long
// before the deadline (it returned after 61 s at 686 MB RSS with timeout_s=5).
TEST_F(ExternalTest, StreamWithoutNewlineHitsTheDeadlineAndTheSizeCap) {
  // 64 KiB every 2 ms (~30 MB/s) for at most 20 s.
  const std::string slow = script("slow_stream", R"(
sys.stdin.readline()
t0 = time.time()
while time.time() - t0 < 20:
    sys.stdout.write("x" * 65536); sys.stdout.flush(); time.sleep(0.002)
)");
  const std::string fast = script("fast_stream", R"(
sys.stdin.readline()
t0 = time.time()
while time.time() - t0 < 20:
    sys.stdout.write("x" * 1048576); sys.stdout.flush()
)");
  {
    ExternalOptions o = opts(slow, 1.0, 0);
    o.max_reply_bytes = size_t{1} << 30;  // only the deadline can stop it
    ExternalReward r(o);
    const auto t0 = std::chrono::steady_clock::now();
    expect_error(r, some_images(1), "no reply within 1 s", slow);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("[stream] deadline 1 s: returned after %.2f s\n", secs);
    EXPECT_LT(secs, 2.0);
  }
  {
    const double rss0 = peak_rss_mb();
    ExternalOptions o = opts(fast, 5.0, 0);
    o.max_reply_bytes = size_t{4} << 20;
    ExternalReward r(o);
    const auto t0 = std::chrono::steady_clock::now();
    expect_error(r, some_images(1), "a reply line longer than 4194304 bytes", fast);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("[stream] cap 4 MiB: returned after %.2f s, peak RSS %.0f -> %.0f MB\n", secs, rss0, peak_rss_mb());
    EXPECT_LT(secs, 6.0);
    EXPECT_LT(peak_rss_mb() - rss0, 64.0);
    EXPECT_EQ(r.service().pid(), -1);
  }
}

// A program that ignores SIGTERM and started a helper of its own: the call returns within the timeout + 1 s and
// neither process is left running.
TEST_F(ExternalTest, ProgramIgnoringSigtermIsKilledWithItsWholeProcessGroup) {
  const std::string pids = (dir_ / "pids").string();
  const std::string cmd = script("stubborn", R"(
import signal, subprocess
signal.signal(signal.SIGTERM, signal.SIG_IGN)
helper = subprocess.Popen(["sleep", "1000"])
open(")" + pids + R"(", "w").write("%d %d" % (os.getpid(), helper.pid))
sys.stdin.readline()
time.sleep(1000)
)");
  ExternalReward r(opts(cmd, 1.0, 0));
  const auto t0 = std::chrono::steady_clock::now();
  expect_error(r, some_images(1), "no reply within 1 s", cmd);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(secs, 2.0);
  std::ifstream in(pids);
  pid_t program = 0, helper = 0;
  in >> program >> helper;
  ASSERT_GT(program, 0);
  ASSERT_GT(helper, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_TRUE(gone(program));
  EXPECT_TRUE(gone(helper)) << "the program's own helper outlived it";
}

// `varrl reward` ended by SIGTERM while its reward program hangs: the program's process group is killed and the
// request folder removed (they were left behind).
TEST_F(ExternalTest, SigtermToVarrlKillsTheProgramGroupAndRemovesItsTempFolder) {
  const std::string pids = (dir_ / "pids").string();
  const std::string cmd = script("hang_pid", R"(
open(")" + pids + R"(", "w").write("%d" % os.getpid())
sys.stdin.readline()
time.sleep(1000)
)");
  const std::string data = (dir_ / "data").string();
  fs::create_directories(data + "/img");
  write_file_atomic(data + "/img/0.png", encode_png(some_images(1)[0]));
  write_file_atomic(data + "/prompts.jsonl", "{\"prompt\": \"a sign that says \\\"HI\\\"\", \"image\": \"img/0.png\"}\n");
  const std::string tmp = (dir_ / "tmp").string();
  const std::string line = std::string(VARRL_BINARY) + " reward --reward external --prompts " + data +
                           "/prompts.jsonl --set 'reward.external.command=" + cmd +
                           "' --set reward.external.tmp_dir=" + tmp + " > /dev/null 2>&1";
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", ("exec " + line).c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const auto t0 = std::chrono::steady_clock::now();
  while (!fs::exists(pids) && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(30))
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_TRUE(fs::exists(pids));
  ASSERT_FALSE(fs::is_empty(tmp));  // the request's folder exists
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) << status;
  std::ifstream in(pids);
  pid_t program = 0;
  in >> program;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_TRUE(gone(program)) << "the reward program outlived varrl";
  EXPECT_TRUE(fs::is_empty(tmp)) << "the request folder was left in " << tmp;
}
