// Exact-resume state: AdamW moments, RNG states and counters, saved as safetensors + JSON (all atomic).
#pragma once
#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <string>

namespace varrl {

// AdamW state ↔ safetensors (keyed by parameter position in the optimizer's param groups).
void save_adamw(const std::string& path, torch::optim::AdamW& opt);
void load_adamw(const std::string& path, torch::optim::AdamW& opt);
void set_lr(torch::optim::AdamW& opt, double lr);

// The CPU default generator's state (and any extra generators) as a uint8 tensor.
torch::Tensor cpu_rng_state();
void set_cpu_rng_state(const torch::Tensor& state);

// A state/*_state.json file, checked to hold an integer "step" >= 0 (throws naming the file otherwise).
nlohmann::json read_state_json(const std::string& path);

}  // namespace varrl
