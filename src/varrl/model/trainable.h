// Which of a module's parameters an optimizer trains: those whose name (e.g. `blocks.0.cross_attn.mat_q.weight`)
// matches a regular expression (ECMAScript, searched anywhere in the name); the others are frozen
// (requires_grad = false, so no gradient is computed or applied). An empty pattern trains every parameter.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

namespace varrl {

struct TrainableSplit {
  std::vector<torch::Tensor> trained;
  int64_t trained_numel = 0, frozen_numel = 0;
};

// Throws Error naming `key` if the pattern is not a valid regex or matches no parameter.
TrainableSplit select_trainable(torch::nn::Module& module, const std::string& pattern, const std::string& key);

}  // namespace varrl
