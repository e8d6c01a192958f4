// The measured RL preset: the keys over configs/defaults.yaml that `varrl demo` and `varrl ablate` start from, and that
// configs/rl/*.yaml spell out for `varrl rl --config` (test RLPreset.EqualsConfigsRlDefaultYaml keeps them
// equal). docs/demo.md has the runs behind each value. A user's --config / --set come after these.
#pragma once
#include <string>
#include <vector>

namespace varrl {

inline std::vector<std::string> rl_preset() {
  return {
      "rl.lr=0.00001",       // at 3e-5 VMR + PANW move the coarse scales by noise: held-out 0.161 -> 0.087
      "rl.warmup_steps=5",   // Adam's first steps are sign-like: at lr 1e-4 step 1 alone reached KL 4.2
      "rl.group_size=16",    // the paper's G; 8 prefixes x K = 2 continuations per prompt with VMR
      "rl.inner_epochs=1",   // TRL's num_iterations = 1: one on-policy update per rollout batch (cheaper update)
  };
}

}  // namespace varrl
