// The metrics record of one RL step (TRL-like names: reward/mean, kl, clip_ratio, grad_norm, per-scale entropy/kl/
// loss share, PANW weights, MP live fractions, VMR values, timings), and its reduction over data-parallel ranks.
#pragma once
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "varrl/dist/data_parallel.h"
#include "varrl/rl/policy_update.h"
#include "varrl/rl/rollout.h"
#include "varrl/rl/vmr.h"

namespace varrl {

struct StepTimes {
  double rollout = 0, total = 0;  // seconds since the step began: after the rollouts, at the end
};

nlohmann::json step_record(int64_t step, double lr, VmrPhase phase, const RolloutBatch& rb, const VmrAdvantages& adv,
                           const torch::Tensor& panw_S, const UpdateStats& up, bool mp, const StepTimes& t);

// Rank means of the record's numbers (reward/mean and reward/std over every rank's images, ratio/max_abs_dev the
// max); a no-op in one process.
void reduce_step_record(nlohmann::json& rec, DataParallel& dp, const torch::Tensor& rewards_B);

}  // namespace varrl
