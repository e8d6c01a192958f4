#include "varrl/rl/mask_propagation.h"

#include "varrl/core/choice.h"
#include "varrl/core/error.h"

namespace varrl {

namespace F = torch::nn::functional;

MaskOptions MaskOptions::from_config(const Config& cfg) {
  MaskOptions o;
  o.pool = choice<MaskPool>(cfg, "rl.mp.pool", {{"max", MaskPool::Max}, {"area", MaskPool::Area}});
  o.binary = cfg.get<bool>("rl.mp.binary");
  o.scope = choice<MaskScope>(cfg, "rl.mp.scope", {{"group", MaskScope::Group}, {"sample", MaskScope::Sample}});
  o.normalize = choice<MaskNorm>(cfg, "rl.mp.normalize", {{"scale", MaskNorm::Scale}, {"none", MaskNorm::None}});
  return o;
}

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
  std::vector<torch::Tensor> masks(pn.size());
  masks.back() = final_hw;
  for (int t = static_cast<int>(pn.size()) - 2; t >= 0; --t) {
    auto finer = masks[t + 1].unsqueeze(0).unsqueeze(0);
    std::vector<int64_t> size{pn[t].h, pn[t].w};
    auto coarse = opt.pool == MaskPool::Max ? F::adaptive_max_pool2d(finer, F::AdaptiveMaxPool2dFuncOptions(size))
                                            : F::adaptive_avg_pool2d(finer, F::AdaptiveAvgPool2dFuncOptions(size));
    masks[t] = coarse.squeeze(0).squeeze(0);
    if (opt.binary) masks[t] = (masks[t] > 0).to(torch::kFloat32);
  }
  return masks;
}

torch::Tensor mask_token_weights(const std::vector<torch::Tensor>& masks, MaskNorm normalize) {
  std::vector<torch::Tensor> parts;
  for (const auto& m : masks) {
    auto flat = m.flatten().to(torch::kFloat32);
    auto s = flat.sum().item<double>();
    parts.push_back(normalize == MaskNorm::Scale && s > 0 ? flat * (flat.numel() / s) : flat);
  }
  return torch::cat(parts);
}

torch::Tensor mp_token_weights(const std::vector<Box>& boxes, int H, int W, const std::vector<Scale>& pn,
                               const MaskOptions& opt, std::vector<double>* live) {
  if (boxes.empty()) {
    if (live) live->assign(pn.size(), 1.0);
    return torch::ones({tokens_before(pn)});
  }
  auto masks = propagate_mask(rasterize_boxes(boxes, H, W, pn.back(), opt.binary), pn, opt);
  if (live) {
    live->clear();
    for (auto& m : masks) live->push_back((m > 0).to(torch::kDouble).mean().item<double>());
  }
  return mask_token_weights(masks, opt.normalize);
}

MpWeights mp_batch_weights(const std::vector<std::vector<Box>>& boxes_B, int G, int K, int64_t prefix_end, int H,
                           int W, const std::vector<Scale>& pn, const MaskOptions& opt) {
  const int64_t B = static_cast<int64_t>(boxes_B.size()), SN = static_cast<int64_t>(pn.size());
  MpWeights out;
  out.w_BL = torch::ones({B, tokens_before(pn)});
  out.live_S.assign(SN, 0.0);
  // Scope group: the union of the boxes of the prompt's G images, one mask for all of them, so that the weighting
  // does not depend on the image's own outcome.
  const int64_t span = opt.scope == MaskScope::Group ? G : 1;
  for (int64_t i = 0; i < B; i += span) {
    std::vector<Box> boxes;
    for (int64_t j = i; j < i + span; ++j) {
      if (boxes_B[j].empty()) out.no_boxes += 1.0 / B;
      boxes.insert(boxes.end(), boxes_B[j].begin(), boxes_B[j].end());
    }
    std::vector<double> live;
    auto w_L = mp_token_weights(boxes, H, W, pn, opt, &live);
    for (int64_t j = i; j < i + span; ++j) out.w_BL[j] = w_L;
    for (int64_t s = 0; s < SN; ++s) out.live_S[s] += live[s] * span / B;
  }
  for (int64_t i = 0; K > 1 && i < B; i += K) {
    auto union_L = std::get<0>(out.w_BL.slice(0, i, i + K).max(0));
    out.w_BL[i].slice(0, 0, prefix_end) = union_L.slice(0, 0, prefix_end);
  }
  return out;
}

}  // namespace varrl
