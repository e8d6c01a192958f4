// OpenBLAS's own kernel choice against varrl's (core/blas_kernel.h), side by side in one process: fp32 GEMM
// GFLOP/s at n = 1024 and at a d16 VAR layer's shape (680 x 1024 x 4096), alternating the two kernel sets `rounds`
// times. Prints one JSON line with each set's best GFLOP/s and the ratio.
// Usage: build/bench_blas_kernel [threads=2] [rounds=3]
#include <cstdio>
#include <nlohmann/json.hpp>

#include "bench_common.h"
#include "varrl/core/blas_kernel.h"

using namespace varrl;
using namespace varrl::bench;

static double gemm_shape_gflops(int m, int k, int n, int reps = 10) {
  auto a = torch::randn({m, k}), b = torch::randn({k, n});
  torch::mm(a, b);
  auto t = clk::now();
  for (int i = 0; i < reps; ++i) torch::mm(a, b);
  return 2.0 * m * k * n * reps / seconds_since(t) / 1e9;
}

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::stoi(argv[1]) : 2, rounds = argc > 2 ? std::stoi(argv[2]) : 3;
  init_runtime(threads, "cpu");
  const BlasKernel k = choose_blas_kernel();
  if (k.detected.empty()) {
    std::fprintf(stderr, "no OpenBLAS with dynamic kernels loaded\n");
    return 1;
  }
  nlohmann::json out{{"threads", threads}, {"detected", k.detected}, {"used", k.used},
                     {"cpu_best", best_openblas_kernel_for_cpu()}};
  double best[2][2] = {{0, 0}, {0, 0}};
  const std::string sets[2] = {k.detected, k.used};
  for (int r = 0; r < rounds; ++r)
    for (int s = 0; s < 2; ++s) {
      force_openblas_kernel(sets[s]);
      best[s][0] = std::max(best[s][0], gemm_gflops(1024, 10));
      best[s][1] = std::max(best[s][1], gemm_shape_gflops(680, 1024, 4096));
    }
  force_openblas_kernel(k.used);
  for (int s = 0; s < 2; ++s)
    out[s == 0 ? "openblas_choice" : "varrl_choice"] = {{"kernels", sets[s]}, {"gflops_1024", best[s][0]},
                                                        {"gflops_680x1024x4096", best[s][1]}};
  out["ratio_1024"] = best[1][0] / best[0][0];
  out["ratio_680x1024x4096"] = best[1][1] / best[0][1];
  std::printf("%s\n", out.dump().c_str());
}
