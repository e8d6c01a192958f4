#include "varrl/rl/ablation_variants.h"

#include <algorithm>
#include <sstream>

#include "varrl/core/error.h"

namespace varrl {

namespace {

std::vector<std::string> components(bool vmr, bool panw, bool mp, std::vector<std::string> extra) {
  std::vector<std::string> s = {std::string("rl.vmr.enabled=") + (vmr ? "true" : "false"),
                                std::string("rl.panw.enabled=") + (panw ? "true" : "false"),
                                std::string("rl.mp.enabled=") + (mp ? "true" : "false")};
  s.insert(s.end(), extra.begin(), extra.end());
  return s;
}

std::vector<AblationVariant> ours() {
  const std::string ppps = "rl.vmr.schedule=PPPS";
  return {
      {"grpo", components(false, false, false, {})},
      {"panw-a0.6", components(false, true, false, {"rl.panw.alpha=0.6"})},
      {"panw-a1.0", components(false, true, false, {"rl.panw.alpha=1.0"})},
      {"vmr-m4-K2", components(true, false, false, {ppps, "rl.vmr.middle_scale=4", "rl.vmr.K=2"})},
      {"vmr-m6-K2", components(true, false, false, {ppps, "rl.vmr.middle_scale=6", "rl.vmr.K=2"})},
      // K = 1: one continuation per prefix, so suffix advantages are taken across the prompt's group.
      {"vmr-m4-K1",
       components(true, false, false, {ppps, "rl.vmr.middle_scale=4", "rl.vmr.K=1", "rl.vmr.suffix_group=prompt"})},
      {"mp", components(false, false, true, {})},
      {"all", components(true, true, true, {ppps, "rl.panw.alpha=0.6", "rl.vmr.middle_scale=5", "rl.vmr.K=2"})},
  };
}

std::vector<AblationVariant> paper() {
  // The paper's 30 P then 10 S is ten times PPPS; at our budget of tens of updates, three times: 9 P then 3 S.
  const std::string coarse = "rl.vmr.schedule=" + std::string(9, 'P') + std::string(3, 'S');
  return {
      {"vanilla", components(false, false, false, {})},
      {"base", components(true, true, false, {"rl.panw.alpha=1.0"})},
      {"+mp", components(true, true, true, {"rl.panw.alpha=1.0"})},
      {"paper", {}},
      {"K1", {"rl.vmr.K=1"}},
      {"coarse", {coarse}},
      {"alpha0.8", {"rl.panw.alpha=0.8"}},
      {"alpha1.2", {"rl.panw.alpha=1.2"}},
      {"m3", {"rl.vmr.middle_scale=3"}},
      {"m6", {"rl.vmr.middle_scale=6"}},
      {"nosplit", {"rl.vmr.enabled=false"}},
      {"K4", {"rl.vmr.K=4"}},
      {"prefix-only", {"rl.vmr.schedule=P"}},
      {"suffix-only", {"rl.vmr.schedule=S"}},
  };
}

}  // namespace

std::vector<AblationVariant> ablation_variants(AblationProtocol protocol) {
  return protocol == AblationProtocol::Paper ? paper() : ours();
}

std::vector<AblationVariant> pick_ablation_variants(const std::string& list, AblationProtocol protocol) {
  auto every = ablation_variants(protocol);
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
