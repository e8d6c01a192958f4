// Shared by the benchmarks: the machine's measured fp32 GEMM GFLOP/s (the ceiling every benchmark is compared with),
// a wall-clock helper and the command-line config.
#pragma once
#include <torch/torch.h>

#include <chrono>

#include "varrl/core/config.h"
#include "varrl/core/runtime.h"

namespace varrl::bench {

using clk = std::chrono::steady_clock;
inline double seconds_since(clk::time_point t) { return std::chrono::duration<double>(clk::now() - t).count(); }

// GFLOP/s of an n x n fp32 matrix product (one warm-up, then `reps` timed).
inline double gemm_gflops(int n = 1024, int reps = 20) {
  auto a = torch::randn({n, n}), b = torch::randn({n, n});
  torch::mm(a, b);
  auto t = clk::now();
  for (int i = 0; i < reps; ++i) torch::mm(a, b);
  return 2.0 * n * n * n * reps / seconds_since(t) / 1e9;
}

// The defaults with `key=value` overrides from the command line; all cores, CPU, torch seeded with 0.
inline Config bench_config(int argc, char** argv) {
  Config cfg = Config::defaults();
  for (int i = 1; i < argc; ++i) cfg.set(argv[i]);
  init_runtime(0, "cpu");
  torch::manual_seed(0);
  return cfg;
}

}  // namespace varrl::bench
