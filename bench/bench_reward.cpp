// Reward measurements, one JSON line per configuration on stdout.
//   bench_reward accuracy [N]   Tesseract settings (PSM x upscale x polarity) on N clean training renders at the
//                               configured size: exact-read rate, mean ocr_ned, ms per image. Run it with
//                               OMP_THREAD_LIMIT=1 in the environment (what the OCR workers use).
//   bench_reward speed [N] [R]  images/s of the ocr_ned reward, R batches of N renders: in-process (fast only when
//                               this process has OMP_THREAD_LIMIT set), 1 worker, 2 workers.
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <chrono>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "varrl/core/config.h"
#include "varrl/core/rng.h"
#include "varrl/data/render.h"
#include "varrl/reward/ocr_metrics.h"
#include "varrl/reward/ocr_reward.h"
#include "varrl/reward/ocr_scores.h"
#include "varrl/reward/tesseract_engine.h"
#include "varrl/reward/text_distance.h"

using namespace varrl;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Clean renders with 1 or 2 regions; blurred = each image shrunk to half size and blown back up (a soft, model-like
// image).
std::vector<RenderedSample> corpus(int n, uint64_t seed, int max_regions, bool blurred) {
  RenderOptions o = RenderOptions::from_config(Config::defaults());
  o.max_regions = max_regions;
  std::vector<RenderedSample> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(render_sample(o, derive_seed(seed, static_cast<uint64_t>(i)), false));
    Image& im = out.back().image;
    if (blurred) im = resize(resize(im, im.width / 2, im.height / 2), im.width, im.height);
  }
  return out;
}

// One line per (corpus, PSM, upscale, polarity): exact full reads, word accuracy, NED, ocr_ned, time per image.
void accuracy(int n) {
  for (int kind : {1, 2, 3}) {
    const int regions = kind == 2 ? 2 : 1;
    const bool blurred = kind == 3;
    const auto samples = corpus(n, 777, regions, blurred);
    for (int psm : {7, 6, 13})
      for (int up : {1, 2, 3, 4})
        for (bool polarity : {true, false}) {
          if (!polarity && up != 3) continue;  // polarity only matters for speed; one line shows it
          if (blurred && psm != 6) continue;
          OcrOptions o;
          o.psm = psm;
          o.upscale = up;
          o.dark_on_light = polarity;
          TesseractEngine engine(o);
          int exact = 0;
          double reward = 0;
          OcrMetrics m;
          auto t0 = std::chrono::steady_clock::now();
          for (const auto& s : samples) {
            OcrResult r = engine.read(s.image);
            std::string want;
            for (const auto& t : s.record.texts) want += t;
            exact += remove_spaces(to_lower(r.text())) == remove_spaces(to_lower(want));
            reward += ocr_ned_score(ocr_ned_target(s.record.prompt), r.text());
            m.add(s.record.texts, r.words);
          }
          double secs = seconds_since(t0);
          nlohmann::json j = {{"max_regions", regions}, {"blurred", blurred}, {"psm", psm},
                              {"upscale", up},          {"dark_on_light", polarity},
                              {"images", n},            {"exact_rate", double(exact) / n},
                              {"word_accuracy", m.word_accuracy()}, {"ned", m.ned()},
                              {"mean_ocr_ned", reward / n}, {"ms_per_image", 1000 * secs / n}};
          std::printf("%s\n", j.dump().c_str());
          std::fflush(stdout);
        }
  }
}

// CPU seconds (user + system) a process has used so far, from /proc/PID/stat; -1 if unreadable.
double cpu_seconds(long pid) {
  std::FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
  if (!f) return -1;
  char buf[2048];
  size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = 0;
  const char* p = std::strrchr(buf, ')');  // fields after the command name
  if (!p) return -1;
  unsigned long utime = 0, stime = 0;
  // After ")": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
  if (std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2) return -1;
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double cpu_of(const std::vector<long>& pids) {
  double sum = 0;
  for (long p : pids) sum += cpu_seconds(p);
  return sum;
}

// images/s of the ocr_ned reward (OCR + scoring) on batches of n renders: in-process, 1 worker, 2 workers.
void speed(int n, int rounds) {
  const auto samples = corpus(n, 4242, 1, false);
  std::vector<Image> images;
  std::vector<PromptRecord> prompts;
  for (const auto& s : samples) {
    images.push_back(s.image);
    prompts.push_back(s.record);
  }
  const char* limit = std::getenv("OMP_THREAD_LIMIT");
  for (int workers : {0, 1, 2}) {
    OcrPoolOptions po = OcrPoolOptions::from_config(Config::defaults());
    po.workers = workers;
    auto t_start = std::chrono::steady_clock::now();
    OcrReward reward(po, 1.0, 0.0);
    reward.score(images, prompts);  // warm-up: starts the workers, loads the model
    const double startup = seconds_since(t_start);
    double mean = 0;
    std::vector<long> pids =
        workers == 0 ? std::vector<long>{static_cast<long>(::getpid())} : reward.pool().worker_pids();
    const double cpu0 = cpu_of(pids);
    auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < rounds; ++r)
      for (const auto& res : reward.score(images, prompts)) mean += res.reward;
    const double secs = seconds_since(t0);
    const double cpu = cpu_of(pids) - cpu0;  // the OCR processes' own CPU time: independent of other load
    double load = 0;
    if (std::FILE* f = std::fopen("/proc/loadavg", "r")) {
      if (std::fscanf(f, "%lf", &load) != 1) load = 0;
      std::fclose(f);
    }
    nlohmann::json j = {{"workers", workers},
                        {"in_process_OMP_THREAD_LIMIT", limit ? limit : ""},
                        {"batch", n},
                        {"rounds", rounds},
                        {"images_per_s", n * rounds / secs},
                        {"ms_per_image", 1000 * secs / (n * rounds)},
                        {"first_batch_s", startup},
                        {"ocr_cpu_ms_per_image", 1000 * cpu / (n * rounds)},
                        {"loadavg_1min", load},
                        {"mean_reward", mean / (n * rounds)}};
    std::printf("%s\n", j.dump().c_str());
    std::fflush(stdout);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "speed";
  int n = argc > 2 ? std::atoi(argv[2]) : 200;
  if (mode == "accuracy") accuracy(n);
  if (mode == "speed") speed(n, argc > 3 ? std::atoi(argv[3]) : 5);
  return 0;
}
