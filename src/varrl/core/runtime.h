// Process start-up: threads, device, and a log line naming the LibTorch version and the BLAS actually loaded.
#pragma once
#include <string>

namespace varrl {

// The resolved path of the BLAS shared library mapped into this process ("" if none).
std::string loaded_blas_library();
// True when that library is the slow reference BLAS (libblas3) instead of OpenBLAS.
bool is_reference_blas(const std::string& path);

// Sets LibTorch's intra-op threads (0 = all cores), checks the device, logs the start-up line. Returns the thread
// count in use.
int init_runtime(int threads, const std::string& device);

// This process's resident memory now (/proc/self/statm) and at its peak (getrusage), in MiB.
double resident_memory_mb();
double peak_resident_memory_mb();

}  // namespace varrl
