#include "varrl/rl/char_credit.h"

#include <algorithm>
#include <cmath>

#include "varrl/core/error.h"
#include "varrl/reward/text_distance.h"
#include "varrl/rl/mask_propagation.h"

namespace varrl {

std::vector<double> matched_symbols(const std::string& target, const std::string& read) {
  const std::u32string t = utf8_to_u32(remove_spaces(to_lower(target))), r = utf8_to_u32(remove_spaces(to_lower(read)));
  const size_t n = t.size(), m = r.size();
  // d[i][j]: edit distance of t[0..i) and r[0..j).
  std::vector<std::vector<size_t>> d(n + 1, std::vector<size_t>(m + 1, 0));
  for (size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (size_t i = 1; i <= n; ++i)
    for (size_t j = 1; j <= m; ++j)
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (t[i - 1] == r[j - 1] ? 0 : 1)});
  // Walk back along one optimal alignment, taking a match wherever one lies on an optimal path at that point.
  std::vector<double> ok(n, 0.0);
  size_t i = n, j = m;
  while (i > 0 && j > 0) {
    if (t[i - 1] == r[j - 1] && d[i][j] == d[i - 1][j - 1]) {
      ok[i - 1] = 1.0;
      --i, --j;
    } else if (d[i][j] == d[i - 1][j - 1] + 1) {
      --i, --j;
    } else if (d[i][j] == d[i - 1][j] + 1) {
      --i;
    } else {
      --j;
    }
  }
  return ok;
}

torch::Tensor symbol_overlap_LK(const Box& box, int n, int H, int W, const std::vector<Scale>& pn) {
  if (n <= 0) throw Error("char credit: the target text is empty");
  std::vector<torch::Tensor> cols;
  const double w = static_cast<double>(box[2] - box[0]) / n;
  for (int k = 0; k < n; ++k) {
    // Integer pixel edges of symbol k's column (rasterize_boxes works on pixel boxes).
    const int x0 = box[0] + static_cast<int>(std::lround(k * w)),
              x1 = box[0] + static_cast<int>(std::lround((k + 1) * w));
    std::vector<torch::Tensor> per_scale;
    for (const auto& g : pn) per_scale.push_back(rasterize_boxes({{x0, box[1], x1, box[3]}}, H, W, g, false).flatten());
    cols.push_back(torch::cat(per_scale));
  }
  return torch::stack(cols, 1);  // L × n
}

torch::Tensor symbol_advantages(const torch::Tensor& c_GK, double eps, double clip) {
  auto centred = c_GK.to(torch::kFloat32) - c_GK.to(torch::kFloat32).mean(0, true);
  // Pooled unbiased standard deviation of the letters' outcomes (each letter has its own mean; as TRL's group std).
  const int64_t G = c_GK.size(0), K = c_GK.size(1);
  const double sd = G > 1 && K > 0 ? std::sqrt(centred.pow(2).sum().item<double>() / ((G - 1) * K)) : 0.0;
  if (sd == 0.0) return torch::zeros_like(centred);
  auto a = centred / (sd + eps);
  return clip > 0 ? a.clamp(-clip, clip) : a;
}

torch::Tensor char_credit_advantages(const torch::Tensor& A_G, const torch::Tensor& a_GK, const torch::Tensor& M_LK,
                                     double lambda) {
  auto M = M_LK.to(A_G.scalar_type());
  auto cov_L = M.sum(1);
  return A_G.view({-1, 1}) * (1.0 - lambda * cov_L).view({1, -1}) +
         lambda * torch::matmul(a_GK.to(M.scalar_type()), M.t());
}

}  // namespace varrl
