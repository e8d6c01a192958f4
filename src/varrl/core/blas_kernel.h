// OpenBLAS's kernel choice. Debian 12's OpenBLAS 0.3.21 picks its kernels from the CPU model at load time and does
// not know recent Intel Xeons (seen: an AVX-512 "Intel(R) Xeon(R) Processor"): it falls back to its SSE3 "Prescott"
// kernels, whose sgemm ran 4.8x slower than its own SkylakeX kernels on the same core (bench/bench_blas_kernel).
// varrl switches such a fallback to the best kernel set the CPU's instructions allow, before any BLAS call.
#pragma once
#include <string>

namespace varrl {

struct BlasKernel {
  std::string detected;  // what OpenBLAS chose by itself ("" = no OpenBLAS with dynamic kernels loaded)
  std::string used;      // what it uses now
};

// The best OpenBLAS kernel set for this CPU's instructions: "SkylakeX" (AVX-512 F/CD/BW/DQ/VL), "Haswell"
// (AVX2 + FMA), or "" (nothing better than what any detection gives).
std::string best_openblas_kernel_for_cpu();

// Switches OpenBLAS from a fallback kernel set (Prescott, Core2, Nehalem, Sandybridge, ...) to
// best_openblas_kernel_for_cpu() when the CPU has AVX2; a CPU OpenBLAS recognises keeps OpenBLAS's choice.
// VARRL_BLAS_KERNEL=NAME forces NAME, VARRL_BLAS_KERNEL=openblas (or an OPENBLAS_CORETYPE of one's own) keeps
// OpenBLAS's choice. Runs once per process, when the program loads (blas_kernel.cpp; every varrl binary links it):
// later calls return that first result.
BlasKernel choose_blas_kernel();

// Forces OpenBLAS's kernel set `name` now (OpenBLAS's OPENBLAS_CORETYPE names); false without a dynamic OpenBLAS.
// Only for benchmarks comparing kernel sets in one process: no BLAS call may run at the same time.
bool force_openblas_kernel(const std::string& name);

// OpenBLAS's current kernel set ("" without OpenBLAS).
std::string openblas_kernel();

}  // namespace varrl
