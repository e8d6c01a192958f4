// VMR — value as middle return (paper Eqs. 1–5, 10). The soft value of the prefix state s_m under the KL-regularised
// objective with temperature η, estimated from K on-policy continuations:  V̂_m = η · ln((1/K) Σ_k exp(R_k / η)),
// computed with log-sum-exp (no overflow for large R/η). The RL step alternates prefix and suffix updates following
// a schedule string (paper: "PPPS" — 3 prefix updates, then 1 suffix update).
#pragma once
#include <torch/torch.h>

#include <string>

namespace varrl {

// rewards_PK: one row per prefix, K continuation rewards each → V̂ per prefix (length P).
torch::Tensor soft_value(const torch::Tensor& rewards_PK, double eta);

enum class VmrPhase { Prefix, Suffix, Both };
// The phase of RL step `step` under `schedule` (characters P, S, B, cycled).
VmrPhase vmr_phase(const std::string& schedule, int64_t step);
char phase_char(VmrPhase p);

}  // namespace varrl
