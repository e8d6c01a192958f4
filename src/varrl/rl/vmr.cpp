#include "varrl/rl/vmr.h"

#include "varrl/core/error.h"

namespace varrl {

torch::Tensor soft_value(const torch::Tensor& rewards_PK, double eta) {
  if (eta <= 0) throw Error("rl.vmr.eta must be > 0");
  auto r = rewards_PK.to(torch::kDouble);
  const double K = static_cast<double>(r.size(1));
  return eta * (torch::logsumexp(r / eta, 1) - std::log(K));
}

VmrPhase vmr_phase(const std::string& schedule, int64_t step) {
  if (schedule.empty()) throw Error("rl.vmr.schedule is empty");
  char c = schedule[static_cast<size_t>(step) % schedule.size()];
  switch (c) {
    case 'P': return VmrPhase::Prefix;
    case 'S': return VmrPhase::Suffix;
    case 'B': return VmrPhase::Both;
    default: throw Error(std::string("rl.vmr.schedule: unknown phase '") + c + "' (use P, S, B)");
  }
}

char phase_char(VmrPhase p) { return p == VmrPhase::Prefix ? 'P' : p == VmrPhase::Suffix ? 'S' : 'B'; }

}  // namespace varrl
