#include "varrl/rl/step_metrics.h"

#include "varrl/core/runtime.h"

namespace varrl {

nlohmann::json step_record(int64_t step, double lr, VmrPhase phase, const RolloutBatch& rb, const VmrAdvantages& adv,
                           const torch::Tensor& panw_S, const UpdateStats& up, bool mp, const StepTimes& t) {
  auto r = rb.rewards_B;
  nlohmann::json rec{{"step", step},
                     {"reward/mean", r.mean().item<double>()},
                     {"reward/std", r.std().item<double>()},
                     {"frac_reward_zero_std", adv.zero_std_Q.to(torch::kDouble).mean().item<double>()},
                     {"kl", up.kl},
                     {"clip_ratio", up.clip_ratio},
                     {"clip_ratio/epoch0", up.clip_ratio0},
                     {"kl/epoch0", up.kl0},
                     {"ratio/mean", up.ratio_mean0},
                     {"ratio/max_abs_dev", up.ratio_max_dev0},
                     {"grad_norm", up.grad_norm},
                     {"lr", lr},
                     {"update", std::string(1, phase_char(phase))},
                     {"skipped", up.skipped},
                     {"time/sample", t.rollout - rb.reward_seconds},
                     {"time/reward", rb.reward_seconds},
                     {"time/update", t.total - t.rollout},
                     {"mem/rss_mb", resident_memory_mb()}};  // flat over a long run = no leak (bench_rl)
  for (auto& [k, v] : rb.reward_parts) {
    double sum = 0;
    for (double x : v) sum += x;
    rec["reward/" + k] = v.empty() ? 0.0 : sum / v.size();
  }
  for (size_t s = 0; s < up.entropy_S.size(); ++s) {
    const std::string sfx = "/scale" + std::to_string(s);
    rec["entropy" + sfx] = up.entropy_S[s];
    rec["kl" + sfx] = up.kl_S[s];
    rec["loss_share" + sfx] = up.loss_share_S[s];
    rec["panw/weight" + sfx] = panw_S[static_cast<int64_t>(s)].item<double>();
    rec["mp/live" + sfx] = rb.mp.live_S[s];
  }
  if (mp) rec["mp/no_boxes"] = rb.mp.no_boxes;
  if (adv.values_P.defined()) {
    rec["vmr/value_mean"] = adv.values_P.mean().item<double>();
    rec["vmr/value_std"] = adv.values_P.std().item<double>();
  }
  return rec;
}

void reduce_step_record(nlohmann::json& rec, DataParallel& dp, const torch::Tensor& rewards_B) {
  if (!dp.active()) return;
  auto r = dp.all_gather(rewards_B);
  std::vector<std::string> keys;
  std::vector<double> vals;
  for (auto& [k, v] : rec.items())
    if (v.is_number_float() && k != "lr" && k != "ratio/max_abs_dev") keys.push_back(k), vals.push_back(v.get<double>());
  auto t = torch::tensor(vals, torch::kDouble);
  dp.all_reduce_sum(t);
  for (size_t i = 0; i < keys.size(); ++i) rec[keys[i]] = t[i].item<double>() / dp.world_size();
  rec["reward/mean"] = r.mean().item<double>();
  rec["reward/std"] = r.std().item<double>();
  rec["ratio/max_abs_dev"] = dp.max(rec["ratio/max_abs_dev"].get<double>());
}

}  // namespace varrl
