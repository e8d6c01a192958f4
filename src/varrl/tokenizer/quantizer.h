// VAR's multi-scale residual vector quantiser ("VectorQuantizer2") with rectangular scales.
//   encode: f_rest = f; f_hat = 0; for each scale t: area-down f_rest to (h_t, w_t) (not at the last scale),
//           nearest code, embed, bicubic-up to the latent size (not at the last scale), φ_t, f_hat += h, f_rest -= h.
//   decode: the same accumulation from indices.
// State-dict names follow VAR: `embedding.weight`, `quant_resi.qresi_ls.N.{weight,bias}`.
#pragma once
#include <torch/torch.h>

#include <functional>
#include <vector>

#include "varrl/tokenizer/tokenizer_config.h"

namespace varrl {

// φ(h) = (1 − q)·h + q·conv3x3(h)   (VAR's Phi)
struct PhiImpl : torch::nn::Conv2dImpl {
  PhiImpl(int64_t C, double quant_resi);
  torch::Tensor forward(const torch::Tensor& h_BChw);
  double resi_ratio;
};
TORCH_MODULE(Phi);

struct QuantResiImpl : torch::nn::Module {  // VAR's PhiPartiallyShared: `qresi_ls.N`
  torch::nn::ModuleList qresi_ls;
};
TORCH_MODULE(QuantResi);

struct QuantizerOutput {
  torch::Tensor f_hat_BChw;   // straight-through quantised latent (gradient flows to the encoder)
  torch::Tensor vq_loss;      // mean over scales of β·‖sg(f_hat) − f‖² + ‖f_hat − sg(f)‖²
  std::vector<torch::Tensor> idx_Bl;  // per scale, B × (h_t·w_t) int64
};

struct MultiScaleQuantizerImpl : torch::nn::Module {
  explicit MultiScaleQuantizerImpl(const TokenizerConfig& cfg);

  // Training forward (VAR's VectorQuantizer2.forward).
  QuantizerOutput forward(const torch::Tensor& f_BChw);
  // Latent → per-scale indices (no gradient).
  std::vector<torch::Tensor> f_to_idxBl(const torch::Tensor& f_BChw);
  // Quantisation with corrected targets: scale by scale, the nearest code to the residual is the label, and
  // choose(si, label_Bl) gives the codes that actually enter f_hat (label_Bl itself = f_to_idxBl; random flips or the
  // model's own samples = self-correction, model/self_correction.h), so every later label is the code that corrects
  // what the chosen coarser codes got wrong. Returns the labels and the chosen codes (the teacher-forcing inputs).
  // No gradient.
  struct Corrected {
    std::vector<torch::Tensor> labels_Bl, inputs_Bl;
  };
  using CodeChooser = std::function<torch::Tensor(int si, const torch::Tensor& label_Bl)>;
  Corrected f_to_idxBl_correcting(const torch::Tensor& f_BChw, const CodeChooser& choose);
  // Scale si's contribution φ_si(up(embed(idx))) at the full latent size.
  torch::Tensor scale_contribution(const torch::Tensor& idx_Bl, int si);
  // Indices (all scales, or a prefix of them) → accumulated f_hat.
  torch::Tensor idxBl_to_fhat(const std::vector<torch::Tensor>& idx_Bl);
  // Teacher-forcing inputs of the transformer (VAR's idxBl_to_var_input): for scales 1..SN-1, the running f_hat
  // after scale t−1 area-downsampled to scale t: B × (L − first_l) × Cvae.
  torch::Tensor idxBl_to_var_input(const std::vector<torch::Tensor>& idx_Bl);
  // One sampling step (VAR's get_next_autoregressive_input): adds scale si's tokens to f_hat (in place) and returns
  // the next scale's input B × Cvae × h_{si+1} × w_{si+1} (or f_hat itself after the last scale).
  torch::Tensor next_autoregressive_input(int si, torch::Tensor& f_hat_BChw, const torch::Tensor& idx_Bl);
  // Embedding lookup B × l → B × C × h × w for scale si.
  torch::Tensor embed_scale(const torch::Tensor& idx_Bl, int si);

  // Code usage: hits per scale since the last reset (V-long int64 counts).
  std::vector<torch::Tensor> usage_counts;
  void reset_usage();
  // Re-seeds codes with no hit (at any scale) since the last reset from recently seen residual vectors. With
  // coarse_target > 0 it then serves every scale but the last whose distinct codes since the reset fall short of
  // coarse_target × min(V, its token slots): up to 8 of the codebook's least-used codes (the finest scale hits nearly
  // all of V, so those are its rarest) are re-seeded from that scale's own latest residuals. The codebook is shared,
  // so a code serving only fine scales is never "dead" and the plain restart cannot raise coarse usage.
  // Resets the usage counts; returns how many codes were re-seeded.
  int64_t restart_dead_codes(torch::Generator& gen, double coarse_target = 0);

  TokenizerConfig cfg;
  torch::nn::Embedding embedding{nullptr};
  QuantResi quant_resi{nullptr};
  torch::Tensor recent_rest_NC;  // a sample of residual vectors from the last forward (for dead-code restart)
  std::vector<torch::Tensor> last_rest_NC;  // per scale, that scale's residual vectors in the last forward
};
TORCH_MODULE(MultiScaleQuantizer);

}  // namespace varrl
