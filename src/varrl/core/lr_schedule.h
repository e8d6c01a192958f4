// Learning-rate schedule: linear warm-up then cosine decay to min_ratio·base (LibTorch 1.13 only has StepLR).
#pragma once
#include <algorithm>
#include <cmath>

namespace varrl {

inline double lr_at(long step, double base, long warmup, long total, double min_ratio = 0.1) {
  if (warmup > 0 && step < warmup) return base * (step + 1) / static_cast<double>(warmup);
  if (total <= warmup) return base;
  double t = std::clamp(static_cast<double>(step - warmup) / static_cast<double>(total - warmup), 0.0, 1.0);
  return base * (min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + std::cos(M_PI * t)));
}

}  // namespace varrl
