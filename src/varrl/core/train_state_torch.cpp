#include <ATen/CPUGeneratorImpl.h>

#include "varrl/core/error.h"
#include "varrl/core/metrics.h"
#include "varrl/core/tensor_io.h"
#include "varrl/core/train_state.h"

namespace varrl {

static std::vector<torch::Tensor> all_params(torch::optim::AdamW& opt) {
  std::vector<torch::Tensor> ps;
  for (auto& g : opt.param_groups())
    for (auto& p : g.params()) ps.push_back(p);
  return ps;
}

void save_adamw(const std::string& path, torch::optim::AdamW& opt) {
  std::map<std::string, torch::Tensor> t;
  auto ps = all_params(opt);
  auto& state = opt.state();
  for (size_t i = 0; i < ps.size(); ++i) {
    auto key = c10::guts::to_string(ps[i].unsafeGetTensorImpl());
    auto it = state.find(key);
    if (it == state.end()) continue;
    auto& s = static_cast<torch::optim::AdamWParamState&>(*it->second);
    t["exp_avg." + std::to_string(i)] = s.exp_avg();
    t["exp_avg_sq." + std::to_string(i)] = s.exp_avg_sq();
    t["step." + std::to_string(i)] = torch::tensor(s.step(), torch::kInt64);
    if (s.max_exp_avg_sq().defined()) t["max_exp_avg_sq." + std::to_string(i)] = s.max_exp_avg_sq();
  }
  save_tensors(path, t, {{"num_params", std::to_string(ps.size())}});
}

void load_adamw(const std::string& path, torch::optim::AdamW& opt) {
  auto t = load_tensors(path);
  auto ps = all_params(opt);
  auto& state = opt.state();
  state.clear();
  for (size_t i = 0; i < ps.size(); ++i) {
    auto it = t.find("exp_avg." + std::to_string(i));
    if (it == t.end()) continue;
    auto s = std::make_unique<torch::optim::AdamWParamState>();
    auto need = [&](const std::string& k) {
      auto f = t.find(k + "." + std::to_string(i));
      if (f == t.end()) throw Error(path + ": missing tensor '" + k + "." + std::to_string(i) + "'");
      return f->second;
    };
    auto ea = need("exp_avg"), eas = need("exp_avg_sq");
    if (ea.sizes() != ps[i].sizes()) throw Error(path + ": optimizer state does not match the model's parameters");
    s->exp_avg(ea.to(ps[i].options()));
    s->exp_avg_sq(eas.to(ps[i].options()));
    s->step(need("step").item<int64_t>());
    auto m = t.find("max_exp_avg_sq." + std::to_string(i));
    if (m != t.end()) s->max_exp_avg_sq(m->second.to(ps[i].options()));
    state[c10::guts::to_string(ps[i].unsafeGetTensorImpl())] = std::move(s);
  }
}

void set_lr(torch::optim::AdamW& opt, double lr) {
  for (auto& g : opt.param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
}

torch::Tensor cpu_rng_state() {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  return gen.get_state();
}

void set_cpu_rng_state(const torch::Tensor& state) {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(state);
}

nlohmann::json read_state_json(const std::string& path) {
  nlohmann::json st = read_json(path);
  if (!st.is_object() || !st.contains("step") || !st["step"].is_number_integer() || st["step"].get<int64_t>() < 0)
    throw Error(path + ": no integer \"step\" >= 0 (a damaged training state)");
  return st;
}

}  // namespace varrl
