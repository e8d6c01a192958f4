// Where OCR runs for the rewards: in this process (workers = 0) or in `workers` child processes, each a
// `varrl ocr-worker` with OMP_THREAD_LIMIT=1 in its environment. Tesseract's own OpenMP makes one call ~7x slower
// unless that limit is set, and setting it in the training process would also throttle LibTorch, hence processes.
// A batch is split into one contiguous chunk per worker; the chunks are read concurrently.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "varrl/core/config.h"
#include "varrl/core/image.h"
#include "varrl/reward/line_service.h"
#include "varrl/reward/tesseract_engine.h"

namespace varrl {

struct OcrPoolOptions {
  OcrOptions ocr;
  int workers = 2;            // 0 = read in this process
  std::string worker_binary;  // the varrl executable; "" = this process's own, or a `varrl` next to it
  double timeout_s = 60;      // per batch and worker
  int max_restarts = 3;

  // reward.ocr.{workers, worker_binary, timeout_s, max_restarts} plus OcrOptions::from_config.
  static OcrPoolOptions from_config(const Config& cfg);
};

class OcrPool {
 public:
  explicit OcrPool(const OcrPoolOptions& opts);
  ~OcrPool();
  std::vector<OcrResult> read(const std::vector<Image>& images);
  const OcrPoolOptions& options() const { return opts_; }
  // Process ids of the worker processes started so far (-1 for one not running).
  std::vector<long> worker_pids() const;

 private:
  OcrPoolOptions opts_;
  std::unique_ptr<TesseractEngine> local_;
  std::vector<std::unique_ptr<LineService>> workers_;
  long seq_ = 0;
};

// The varrl executable that runs `ocr-worker`: /proc/self/exe when this process is `varrl`, else a `varrl` in the same
// folder (tests and benchmarks live next to it). Throws varrl::Error asking for reward.ocr.worker_binary otherwise.
std::string find_worker_binary();

}  // namespace varrl
