// Prompts of a class-conditional model (model.cond=class, e.g. a converted FoundationVision/VAR checkpoint): each
// prompt is a class id written as a decimal integer ("207"), so prompt files, `varrl sample` and RL rollouts, which
// all carry prompts as strings, drive class models unchanged. num_classes itself is VAR's unconditional label.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

namespace varrl {

// The class id of each prompt as an int64 tensor (B). A prompt that is not an integer in [0, num_classes] is a
// varrl::Error naming it.
torch::Tensor parse_class_prompts(const std::vector<std::string>& prompts, int num_classes);

}  // namespace varrl
