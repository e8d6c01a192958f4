// Self-correcting teacher forcing for next-scale pretraining. Plain teacher forcing only ever shows the transformer
// ground-truth coarser scales, but when sampling, an error at a coarse scale is never corrected by the finer ones
// (docs/base-model.md: teacher-forced accuracy 0.86–0.95 at scales 2–4, yet few sampled words are right). Here the
// coarser codes are replaced by random codes (Infinity's bitwise self-correction, on indices) and every later target
// is re-quantised from the ground-truth latent, so it is the code that corrects what the replaced codes got wrong
// (MultiScaleQuantizer::f_to_idxBl_correcting).
#pragma once
#include <torch/torch.h>

#include <vector>

#include "varrl/tokenizer/quantizer.h"

namespace varrl {

// Each code of scales 0..SN-2 becomes a uniformly random one of V with probability flip_B[b] (the last scale feeds
// no later input and is never flipped). Draws from `gen` in scale order.
MultiScaleQuantizerImpl::CodeChooser random_flips(const torch::Tensor& flip_B, int64_t V, int SN,
                                                  torch::Generator& gen);

}  // namespace varrl
