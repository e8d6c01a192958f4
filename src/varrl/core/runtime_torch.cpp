#include <link.h>
#include <sys/resource.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "varrl/core/blas_kernel.h"
#include "varrl/core/error.h"
#include "varrl/core/runtime.h"

namespace varrl {

namespace {
int collect(struct dl_phdr_info* info, size_t, void* data) {
  auto* out = static_cast<std::string*>(data);
  std::string name = info->dlpi_name ? info->dlpi_name : "";
  if (name.find("libblas") != std::string::npos || name.find("libopenblas") != std::string::npos) {
    char buf[PATH_MAX];
    if (::realpath(name.c_str(), buf)) name = buf;
    if (out->empty() || name.find("openblas") != std::string::npos) *out = name;
  }
  return 0;
}
}  // namespace

std::string loaded_blas_library() {
  std::string path;
  dl_iterate_phdr(collect, &path);
  return path;
}

bool is_reference_blas(const std::string& path) {
  return path.find("openblas") == std::string::npos && path.find("mkl") == std::string::npos &&
         path.find("blis") == std::string::npos;
}

int init_runtime(int threads, const std::string& device) {
  if (threads < 0) throw Error("runtime.threads must be >= 0 (0 = all cores), got " + std::to_string(threads));
  if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(threads);
  torch::Device dev(torch::kCPU);
  try {
    dev = torch::Device(device);
  } catch (const std::exception&) {
    throw Error("runtime.device: unknown device '" + device + "' (use cpu, cuda or cuda:N)");
  }
  if (dev.is_cuda() && !torch::cuda::is_available())
    throw Error("runtime.device=" + device + " but this LibTorch build has no usable CUDA device");
  std::string blas = loaded_blas_library();
  const BlasKernel kernel = choose_blas_kernel();
  std::string kernels = kernel.used.empty() ? "" : " (kernels " + kernel.used;
  if (kernel.used != kernel.detected) kernels += "; OpenBLAS detected " + kernel.detected;
  if (!kernels.empty()) kernels += ")";
  // Commands that resolve a config per run (`varrl ablate`) call this again and again: log only what changed.
  static std::string last_logged;
  const std::string line = fmt::format("varrl: LibTorch {} | device {} | threads {} | BLAS {}{}", TORCH_VERSION, device,
                                       at::get_num_threads(), blas.empty() ? "(none loaded)" : blas, kernels);
  if (line == last_logged) return at::get_num_threads();
  last_logged = line;
  spdlog::info("{}", line);
  if (!blas.empty() && is_reference_blas(blas))
    spdlog::warn(
        "!!! BLAS is the slow reference implementation ({}): matmul runs ~30x slower. Run scripts/setup.sh or "
        "`update-alternatives --set libblas.so.3-x86_64-linux-gnu "
        "/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3` !!!",
        blas);
  return at::get_num_threads();
}

double resident_memory_mb() {
  std::ifstream f("/proc/self/statm");
  long pages = 0, resident = 0;
  f >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / 1048576.0;
}

double peak_resident_memory_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

}  // namespace varrl
