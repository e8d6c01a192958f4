// One RL step of the default CPU preset (configs/defaults.yaml on models/default: 4 prompts x G = 16, GRPO + VMR +
// PANW + MP, OCR reward): wall time split into sampling / reward / update, peak and per-step resident memory (is it
// flat?), and the update's tokens/s and FLOP/s next to the machine's measured GEMM peak. Prints one JSON line.
// Usage (from the repository root): build/bench_rl [STEPS (default 10)] [key=value ...], e.g. runtime.threads=1
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "bench_common.h"
#include "varrl/core/config.h"
#include "varrl/core/runtime.h"
#include "varrl/rl/rl_config_check.h"
#include "varrl/rl/trainer.h"
#include "varrl/tokenizer/tokenizer_io.h"

using namespace varrl;
using namespace varrl::bench;

int main(int argc, char** argv) {
  const int steps = argc > 1 ? std::atoi(argv[1]) : 10;
  Config cfg = rl_base_config("models/default");  // the base model's architecture with the RL defaults
  for (int i = 2; i < argc; ++i) cfg.set(argv[i]);
  cfg.set("rl.steps=" + std::to_string(steps));
  init_runtime(cfg.get<int>("runtime.threads"), "cpu");  // runtime.threads=1 to share the machine
  const double peak = gemm_gflops();
  const std::string out_dir = (std::filesystem::temp_directory_path() / "varrl_bench_rl").string();
  std::filesystem::remove_all(out_dir);
  RLTrainer trainer(cfg, out_dir, false);
  int64_t params = 0;
  for (auto& p : trainer.policy()->parameters()) params += p.numel();
  const int64_t L = trainer.policy()->cfg.L();
  const int64_t B = cfg.get<int64_t>("rl.prompts_per_step") * cfg.get<int64_t>("rl.group_size");
  const int epochs = cfg.get<int>("rl.inner_epochs");
  const bool ref = cfg.get<double>("rl.kl_beta") > 0;
  double t_sample = 0, t_reward = 0, t_update = 0;
  std::vector<double> rss;
  for (int s = 0; s < steps; ++s) {
    auto rec = trainer.step(s);
    // Step 0 warms up allocators and the OCR workers; it is reported but not averaged.
    if (s > 0) {
      t_sample += rec["time/sample"].get<double>();
      t_reward += rec["time/reward"].get<double>();
      t_update += rec["time/update"].get<double>();
    }
    rss.push_back(rec["mem/rss_mb"].get<double>());
    std::fprintf(stderr, "step %d: sample %.2f s, reward %.2f s, update %.2f s, rss %.0f MB\n", s + 1,
                 rec["time/sample"].get<double>(), rec["time/reward"].get<double>(),
                 rec["time/update"].get<double>(), rss.back());
  }
  const int n = std::max(1, steps - 1);
  // Update FLOPs: forward (2 N per token) for π_ref and, with more than one inner epoch, for π_old (one epoch reuses
  // the update's own forward pass); forward + backward (6 N per token) per inner epoch.
  const double tokens = static_cast<double>(B) * L;
  const double flops = tokens * params * (2.0 * ((epochs > 1) + ref) + 6.0 * epochs);
  const double step_s = (t_sample + t_reward + t_update) / n;
  nlohmann::json out{{"steps", steps},
                     {"images_per_step", B},
                     {"tokens_per_sequence", L},
                     {"policy_params", params},
                     {"step_s", step_s},
                     {"sample_s", t_sample / n},
                     {"reward_s", t_reward / n},
                     {"update_s", t_update / n},
                     {"reward_share", t_reward / n / step_s},
                     {"update_trained_tokens_per_s", tokens * epochs / (t_update / n)},
                     {"update_gflops", flops / (t_update / n) / 1e9},
                     {"gemm_gflops_fp32", peak},
                     {"fraction_of_gemm_peak", flops / (t_update / n) / 1e9 / peak},
                     {"rss_mb_after_step2", rss.size() > 1 ? rss[1] : rss[0]},
                     {"rss_mb_last", rss.back()},
                     {"peak_rss_mb", peak_resident_memory_mb()}};
  std::printf("%s\n", out.dump().c_str());
  std::filesystem::remove_all(out_dir);
}
