// Pretraining of the VAR policy: next-scale cross-entropy over all scales with teacher forcing through the tokenizer,
// condition dropout (for CFG), optional per-scale weights 1/(h·w)^α, AdamW + warm-up/cosine, grad clipping, EMA,
// atomic checkpoints with exact resume, metrics JSONL (loss, accuracy and text gain per scale: how much the
// cross-entropy rises when every prompt of the batch is swapped for another's — 0 means the text is ignored).
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

#include "varrl/core/config.h"
#include "varrl/model/var_model.h"
#include "varrl/tokenizer/vqvae.h"

namespace varrl {

struct PretrainData {
  torch::Tensor codes_NL;            // concatenated token grids of every image (int64)
  std::vector<std::string> prompts;  // one per image
};

// Encodes images (N × 3 × H × W in [-1, 1]) with the tokenizer, in batches.
torch::Tensor encode_images(VQVAE& vae, const torch::Tensor& images_N3HW, int batch_size = 64);

// Per-scale weights w_t = 1/(h_t w_t)^α per token, normalised so Σ_tokens w = L (α = 0 → all ones). Shape L.
torch::Tensor scale_token_weights(const std::vector<Scale>& patch_nums, double alpha);

struct PretrainResult {
  double first_loss = 0, last_loss = 0;
  double last_text_gain = 0;  // cross-entropy rise (nats/token) with prompts swapped, at the last log step
  std::vector<double> last_text_gain_S;  // the same per scale (mean over that scale's tokens)
  int64_t steps = 0;
  double seconds = 0, tokens_per_s = 0;
};

// Range checks of the pretrain.* numbers (core/config_check.h); `pretrain` runs them too, `varrl pretrain` before it
// writes its folder.
void check_pretrain_config(const Config& cfg);

// Trains `var` (and writes DIR/policy.safetensors + state/ when out_dir is non-empty). `ema` may be null.
PretrainResult pretrain(VAR& var, VAR* ema, VQVAE& vae, const PretrainData& data, const Config& cfg,
                        const std::string& out_dir, bool resume);

}  // namespace varrl
