#include "varrl/rl/ablation_variants.h"

#include <algorithm>
#include <sstream>

#include "varrl/core/error.h"

namespace varrl {

std::vector<AblationVariant> ablation_variants() {
  auto with = [](bool vmr, bool panw, bool mp, std::vector<std::string> extra) {
    std::vector<std::string> s = {std::string("rl.vmr.enabled=") + (vmr ? "true" : "false"),
                                  std::string("rl.panw.enabled=") + (panw ? "true" : "false"),
                                  std::string("rl.mp.enabled=") + (mp ? "true" : "false")};
    s.insert(s.end(), extra.begin(), extra.end());
    return s;
  };
  return {
      {"grpo", with(false, false, false, {})},
      {"panw-a0.6", with(false, true, false, {"rl.panw.alpha=0.6"})},
      {"panw-a1.0", with(false, true, false, {"rl.panw.alpha=1.0"})},
      {"vmr-m4-K2", with(true, false, false, {"rl.vmr.middle_scale=4", "rl.vmr.K=2"})},
      {"vmr-m6-K2", with(true, false, false, {"rl.vmr.middle_scale=6", "rl.vmr.K=2"})},
      // K = 1: one continuation per prefix, so suffix advantages are taken across the prompt's group.
      {"vmr-m4-K1", with(true, false, false, {"rl.vmr.middle_scale=4", "rl.vmr.K=1", "rl.vmr.suffix_group=prompt"})},
      {"mp", with(false, false, true, {})},
      {"all", with(true, true, true, {"rl.panw.alpha=0.6", "rl.vmr.middle_scale=5", "rl.vmr.K=2"})},
  };
}

std::vector<AblationVariant> pick_ablation_variants(const std::string& list) {
  auto every = ablation_variants();
  if (list == "every") return every;
  std::vector<AblationVariant> out;
  std::stringstream ss(list);
  std::string name;
  while (std::getline(ss, name, ',')) {
    auto it = std::find_if(every.begin(), every.end(), [&](const AblationVariant& v) { return v.name == name; });
    if (it == every.end()) {
      std::string known;
      for (auto& v : every) known += " " + v.name;
      throw Error("ablate: unknown variant '" + name + "' (known: every," + known + ")");
    }
    out.push_back(*it);
  }
  if (out.empty()) throw Error("ablate: --variants is empty (use every, or a comma list of variant names)");
  return out;
}

}  // namespace varrl
