#include "varrl/core/blas_kernel.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>

namespace varrl {

namespace {

template <typename F>
F blas_symbol(const char* name) {
  return reinterpret_cast<F>(::dlsym(RTLD_DEFAULT, name));
}

// OpenBLAS's kernel sets that use neither AVX2 nor AVX-512: chosen for CPUs its detection does not know.
bool is_fallback(const std::string& core) {
  static const char* const kOld[] = {"Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom",
                                     "Sandybridge", "Katmai", "Coppermine", "Northwood", "Banias", "Nano"};
  return std::any_of(std::begin(kOld), std::end(kOld), [&](const char* k) { return core == k; });
}

}  // namespace

std::string openblas_kernel() {
  auto corename = blas_symbol<char* (*)()>("openblas_get_corename");
  return corename ? std::string(corename()) : "";
}

bool force_openblas_kernel(const std::string& name) {
  auto quit = blas_symbol<void (*)()>("gotoblas_dynamic_quit");
  auto init = blas_symbol<void (*)()>("gotoblas_dynamic_init");
  if (!quit || !init) return false;
  // gotoblas_dynamic_init reads OPENBLAS_CORETYPE (and returns at once while a kernel set is chosen).
  const char* before = std::getenv("OPENBLAS_CORETYPE");
  const std::string saved = before ? before : "";
  ::setenv("OPENBLAS_CORETYPE", name.c_str(), 1);
  quit();
  init();
  if (before) ::setenv("OPENBLAS_CORETYPE", saved.c_str(), 1);
  else ::unsetenv("OPENBLAS_CORETYPE");
  return true;
}

std::string best_openblas_kernel_for_cpu() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
    return "SkylakeX";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
  return "";
}

BlasKernel choose_blas_kernel() {
  static std::once_flag once;
  static BlasKernel result;
  std::call_once(once, [] {
    result.detected = result.used = openblas_kernel();
    if (result.detected.empty() || !blas_symbol<void (*)()>("gotoblas_dynamic_init")) return;
    const char* want = std::getenv("VARRL_BLAS_KERNEL");
    const std::string choice = want ? want : "auto";
    if (choice == "openblas" || (choice == "auto" && std::getenv("OPENBLAS_CORETYPE"))) return;
    std::string target = choice;
    if (choice == "auto") {
      target = best_openblas_kernel_for_cpu();
      if (target.empty() || !is_fallback(result.detected)) return;
    }
    force_openblas_kernel(target);
    result.used = openblas_kernel();
  });
  return result;
}

// At load time, before main() and before any BLAS call: the CLI and the test binaries compute with the same kernels.
// CMake keeps this object in every binary (`--undefined=varrl_blas_kernel_at_load`).
extern "C" {
extern const int varrl_blas_kernel_at_load;
const int varrl_blas_kernel_at_load = (choose_blas_kernel(), 1);
}

}  // namespace varrl
