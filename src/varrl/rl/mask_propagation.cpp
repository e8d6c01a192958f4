#include "varrl/rl/mask_propagation.h"

#include "varrl/core/error.h"

namespace varrl {

namespace F = torch::nn::functional;

torch::Tensor rasterize_boxes(const std::vector<Box>& boxes, int H, int W, const Scale& g, bool binary) {
  auto m = torch::zeros({g.h, g.w}, torch::kDouble);
  auto acc = m.accessor<double, 2>();
  const double ch = static_cast<double>(H) / g.h, cw = static_cast<double>(W) / g.w;
  for (int y = 0; y < g.h; ++y)
    for (int x = 0; x < g.w; ++x) {
      const double y0 = y * ch, y1 = (y + 1) * ch, x0 = x * cw, x1 = (x + 1) * cw;
      double covered = 0;
      for (const auto& b : boxes) {
        double oy = std::max(0.0, std::min<double>(y1, b[3]) - std::max<double>(y0, b[1]));
        double ox = std::max(0.0, std::min<double>(x1, b[2]) - std::max<double>(x0, b[0]));
        covered = std::max(covered, oy * ox / (ch * cw));
      }
      acc[y][x] = covered;
    }
  if (binary) m = (m > 0).to(torch::kDouble);
  return m.to(torch::kFloat32);
}

std::vector<torch::Tensor> propagate_mask(const torch::Tensor& final_hw, const std::vector<Scale>& pn,
                                          const MaskOptions& opt) {
  if (opt.pool != "max" && opt.pool != "area") throw Error("rl.mp.pool must be max or area, got '" + opt.pool + "'");
  std::vector<torch::Tensor> masks(pn.size());
  masks.back() = final_hw;
  for (int t = static_cast<int>(pn.size()) - 2; t >= 0; --t) {
    auto finer = masks[t + 1].unsqueeze(0).unsqueeze(0);
    std::vector<int64_t> size{pn[t].h, pn[t].w};
    auto coarse = opt.pool == "max" ? F::adaptive_max_pool2d(finer, F::AdaptiveMaxPool2dFuncOptions(size))
                                    : F::adaptive_avg_pool2d(finer, F::AdaptiveAvgPool2dFuncOptions(size));
    masks[t] = coarse.squeeze(0).squeeze(0);
    if (opt.binary) masks[t] = (masks[t] > 0).to(torch::kFloat32);
  }
  return masks;
}

torch::Tensor mask_token_weights(const std::vector<torch::Tensor>& masks) {
  std::vector<torch::Tensor> parts;
  for (const auto& m : masks) {
    auto flat = m.flatten().to(torch::kFloat32);
    auto s = flat.sum().item<double>();
    parts.push_back(s > 0 ? flat * (flat.numel() / s) : flat);
  }
  return torch::cat(parts);
}

torch::Tensor mp_token_weights(const std::vector<Box>& boxes, int H, int W, const std::vector<Scale>& pn,
                               const MaskOptions& opt, std::vector<double>* live) {
  int64_t L = 0;
  for (auto& s : pn) L += s.area();
  if (boxes.empty()) {
    if (live) live->assign(pn.size(), 1.0);
    return torch::ones({L});
  }
  auto masks = propagate_mask(rasterize_boxes(boxes, H, W, pn.back(), opt.binary), pn, opt);
  if (live) {
    live->clear();
    for (auto& m : masks) live->push_back((m > 0).to(torch::kDouble).mean().item<double>());
  }
  return mask_token_weights(masks);
}

}  // namespace varrl
