#include "varrl/model/self_correction.h"

namespace varrl {

MultiScaleQuantizerImpl::CodeChooser random_flips(const torch::Tensor& flip_B, int64_t V, int SN,
                                                  torch::Generator& gen) {
  auto p_B1 = flip_B.to(torch::kCPU, torch::kFloat).unsqueeze(1);
  return [p_B1, V, SN, gen](int si, const torch::Tensor& label_Bl) mutable {
    if (si == SN - 1) return label_Bl;
    const auto B = label_Bl.size(0), l = label_Bl.size(1);
    auto flip_Bl = torch::rand({B, l}, gen) < p_B1;
    auto random_Bl = torch::randint(V, {B, l}, gen, torch::kLong);
    return torch::where(flip_Bl.to(label_Bl.device()), random_Bl.to(label_Bl.device()), label_Bl);
  };
}

}  // namespace varrl
