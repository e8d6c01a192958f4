#include "varrl/model/class_prompts.h"

#include <cctype>

#include "varrl/core/error.h"

namespace varrl {

static int64_t parse_class_id(const std::string& prompt, int num_classes) {
  size_t b = 0, e = prompt.size();
  while (b < e && std::isspace(static_cast<unsigned char>(prompt[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(prompt[e - 1]))) --e;
  bool digits = b < e && e - b <= 9;
  for (size_t i = b; digits && i < e; ++i) digits = std::isdigit(static_cast<unsigned char>(prompt[i])) != 0;
  const int64_t id = digits ? std::stoll(prompt.substr(b, e - b)) : -1;
  if (id < 0 || id > num_classes)
    throw Error("class-conditional model (model.cond=class): prompt '" + prompt + "' is not a class id in [0, " +
                std::to_string(num_classes) + "] (" + std::to_string(num_classes) + " = unconditional)");
  return id;
}

torch::Tensor parse_class_prompts(const std::vector<std::string>& prompts, int num_classes) {
  std::vector<int64_t> ids;
  ids.reserve(prompts.size());
  for (const auto& p : prompts) ids.push_back(parse_class_id(p, num_classes));
  return torch::tensor(ids, torch::kLong);
}

}  // namespace varrl
