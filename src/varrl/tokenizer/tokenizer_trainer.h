// Training and evaluation of the tokenizer (reconstruction L1 + L2 + VQ commitment, dead-code restart).
#pragma once
#include <torch/torch.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "varrl/core/config.h"
#include "varrl/tokenizer/vqvae.h"

namespace varrl {

// Returns the training batch (B × 3 × H × W in [-1, 1]) of a given step; must be a pure function of the step so
// that resume reproduces the data order.
using BatchSource = std::function<torch::Tensor(int64_t step)>;

struct TokenizerTrainResult {
  double first_loss = 0, last_loss = 0;  // mean over the first/last log window
  int64_t steps = 0;
  double seconds = 0;
};

// Trains `vae` for cfg.tokenizer_train.steps, writing checkpoints (and metrics.jsonl) into `out_dir` when non-empty.
// With `resume`, continues from out_dir's last checkpoint.
// Range checks of the tokenizer_train.* numbers (core/config_check.h); `train_tokenizer` runs them too, `varrl
// tokenizer train` before it writes its folder.
void check_tokenizer_train_config(const Config& cfg);

TokenizerTrainResult train_tokenizer(VQVAE& vae, const Config& cfg, const BatchSource& batches,
                                     const std::string& out_dir, bool resume);

// PSNR (dB, mean over images, on 8-bit pixels), L1, and per-scale codebook usage (fraction of V hit).
nlohmann::json evaluate_tokenizer(VQVAE& vae, const torch::Tensor& images_N3HW, int batch_size = 32);

}  // namespace varrl
