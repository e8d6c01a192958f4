#include "varrl/reward/ocr_pool.h"

#include <unistd.h>

#include <filesystem>

#include "varrl/core/error.h"
#include "varrl/reward/ocr_worker.h"

namespace varrl {

OcrPoolOptions OcrPoolOptions::from_config(const Config& cfg) {
  OcrPoolOptions o;
  o.ocr = OcrOptions::from_config(cfg);
  o.workers = cfg.get<int>("reward.ocr.workers");
  o.worker_binary = cfg.get<std::string>("reward.ocr.worker_binary");
  o.timeout_s = cfg.get<double>("reward.ocr.timeout_s");
  o.max_restarts = cfg.get<int>("reward.ocr.max_restarts");
  if (o.workers < 0 || o.workers > 64) throw Error("config key 'reward.ocr.workers' must be in 0..64");
  if (!(o.timeout_s > 0)) throw Error("config key 'reward.ocr.timeout_s' must be positive");
  if (o.max_restarts < 0) throw Error("config key 'reward.ocr.max_restarts' must be >= 0");
  return o;
}

std::string find_worker_binary() {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    if (self.filename() == "varrl") return self.string();
    fs::path sibling = self.parent_path() / "varrl";
    if (fs::is_regular_file(sibling) && ::access(sibling.c_str(), X_OK) == 0) return sibling.string();
  }
  throw Error(
      "cannot find the varrl executable for OCR workers: set reward.ocr.worker_binary (or reward.ocr.workers=0)");
}

OcrPool::OcrPool(const OcrPoolOptions& opts) : opts_(opts) {
  if (opts_.workers == 0) {
    local_ = std::make_unique<TesseractEngine>(opts_.ocr);
    return;
  }
  const std::string bin = opts_.worker_binary.empty() ? find_worker_binary() : opts_.worker_binary;
  for (int w = 0; w < opts_.workers; ++w) {
    ServiceOptions s;
    s.argv = {bin, "ocr-worker", "--options", ocr_options_to_json(opts_.ocr).dump()};
    s.env = {"OMP_THREAD_LIMIT=1", "OMP_NUM_THREADS=1"};
    s.label = "OCR worker " + std::to_string(w) + " (" + bin + " ocr-worker)";
    s.timeout_s = opts_.timeout_s;
    s.max_restarts = opts_.max_restarts;
    workers_.push_back(std::make_unique<LineService>(std::move(s)));
  }
}

OcrPool::~OcrPool() = default;

std::vector<long> OcrPool::worker_pids() const {
  std::vector<long> out;
  for (const auto& w : workers_) out.push_back(w->pid());
  return out;
}

std::vector<OcrResult> OcrPool::read(const std::vector<Image>& images) {
  std::vector<OcrResult> out(images.size());
  if (images.empty()) return out;
  if (local_) {
    for (size_t i = 0; i < images.size(); ++i) out[i] = local_->read(images[i]);
    return out;
  }
  const size_t n = images.size(), k = std::min(n, workers_.size());
  std::vector<size_t> begin(k + 1);
  for (size_t w = 0; w <= k; ++w) begin[w] = n * w / k;
  std::vector<long> seqs(k);
  try {
    for (size_t w = 0; w < k; ++w) {
      seqs[w] = ++seq_;
      workers_[w]->send(encode_ocr_request(seqs[w], images, begin[w], begin[w + 1]));
    }
    for (size_t w = 0; w < k; ++w) {
      const std::string line = workers_[w]->receive();
      auto res = decode_ocr_reply(line, seqs[w], begin[w + 1] - begin[w], workers_[w]->options().label);
      for (size_t i = 0; i < res.size(); ++i) out[begin[w] + i] = std::move(res[i]);
    }
  } catch (...) {
    for (auto& w : workers_) w->reset();  // drop replies still in flight: the next batch starts clean
    throw;
  }
  return out;
}

}  // namespace varrl
