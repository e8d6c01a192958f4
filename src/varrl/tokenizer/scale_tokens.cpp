#include "varrl/tokenizer/scale_tokens.h"

namespace varrl {

std::vector<ScaleSpan> scale_spans(const std::vector<Scale>& pn) {
  std::vector<ScaleSpan> out;
  int64_t begin = 0;
  for (size_t si = 0; si < pn.size(); ++si) {
    out.push_back({static_cast<int>(si), begin, begin + pn[si].area()});
    begin += pn[si].area();
  }
  return out;
}

torch::Tensor cat_scales(const std::vector<torch::Tensor>& idx_Bl) { return torch::cat(idx_Bl, 1); }

std::vector<torch::Tensor> split_scales(const torch::Tensor& idx_BL, const std::vector<Scale>& pn) {
  std::vector<torch::Tensor> out;
  for (const auto& s : scale_spans(pn)) out.push_back(idx_BL.slice(1, s.begin, s.end));
  return out;
}

}  // namespace varrl
