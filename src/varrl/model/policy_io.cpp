#include "varrl/model/policy_io.h"

#include <filesystem>

#include "varrl/core/error.h"
#include "varrl/core/tensor_io.h"
#include "varrl/tokenizer/tokenizer_io.h"

namespace varrl {

VAR make_policy(const Config& cfg) { return VAR(VarConfig::from_config(cfg)); }

VAR load_policy(const std::string& dir, const Config& cfg, const std::string& file) {
  VAR var = make_policy(cfg);
  const std::string path = dir + "/" + file;
  if (!std::filesystem::exists(path)) throw Error(path + ": policy weights not found");
  load_module(path, *var);
  var->eval();
  return var;
}

void save_policy(const std::string& path, const VAR& var, DType storage) {
  save_module(path, *var, storage, {{"format", "varrl-var"}});
}

void ema_update(VAR& dst, const VAR& src, double decay) {
  torch::NoGradGuard ng;
  auto d = dst->parameters(), s = src->parameters();
  for (size_t i = 0; i < d.size(); ++i) d[i].mul_(decay).add_(s[i].detach(), 1.0 - decay);
}

void copy_weights(VAR& dst, const VAR& src) {
  torch::NoGradGuard ng;
  auto d = dst->parameters(), s = src->parameters();
  for (size_t i = 0; i < d.size(); ++i) d[i].copy_(s[i]);
  auto db = dst->buffers(), sb = src->buffers();
  for (size_t i = 0; i < db.size(); ++i) db[i].copy_(sb[i]);
}

}  // namespace varrl
