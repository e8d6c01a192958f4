// Shared by the benchmarks: the machine's measured fp32 GEMM GFLOP/s (the ceiling every benchmark is compared with)
// and a wall-clock helper.
#pragma once
#include <torch/torch.h>

#include <chrono>

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

}  // namespace varrl::bench
