#include "varrl/model/trainable.h"

#include <regex>

#include "varrl/core/error.h"

namespace varrl {

TrainableSplit select_trainable(torch::nn::Module& module, const std::string& pattern, const std::string& key) {
  std::regex re;
  try {
    re = std::regex(pattern.empty() ? std::string(".*") : pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    throw Error(key + ": '" + pattern + "' is not a valid regular expression (" + e.what() + ")");
  }
  TrainableSplit split;
  for (auto& item : module.named_parameters(/*recurse=*/true)) {
    const bool train = std::regex_search(item.key(), re);
    item.value().set_requires_grad(train);
    if (train) {
      split.trained.push_back(item.value());
      split.trained_numel += item.value().numel();
    } else {
      split.frozen_numel += item.value().numel();
    }
  }
  if (split.trained.empty()) throw Error(key + ": '" + pattern + "' matches no parameter name of the policy");
  return split;
}

}  // namespace varrl
