// Policy weights in a model folder: DIR/policy.safetensors (what sampling uses: the EMA weights when EMA is on).
#pragma once
#include <string>

#include "varrl/core/config.h"
#include "varrl/core/safetensors.h"
#include "varrl/model/var_model.h"

namespace varrl {

VAR make_policy(const Config& cfg);
VAR load_policy(const std::string& dir, const Config& cfg, const std::string& file = "policy.safetensors");
void save_policy(const std::string& path, const VAR& var, DType storage = DType::F32);

// dst ← decay·dst + (1 − decay)·src, parameter by parameter (EMA of the policy).
void ema_update(VAR& dst, const VAR& src, double decay);
// dst ← src (parameters and buffers).
void copy_weights(VAR& dst, const VAR& src);

}  // namespace varrl
