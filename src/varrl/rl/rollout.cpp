#include "varrl/rl/rollout.h"

#include <chrono>

#include "varrl/core/rng.h"
#include "varrl/data/image_tensor.h"
#include "varrl/reward/reward.h"
#include "varrl/sampler/sampler.h"

namespace varrl {

RolloutBatch collect_rollouts(VAR& policy, VQVAE& vae, RewardFn& reward, const std::vector<PromptRecord>& prompts,
                              const RolloutOptions& opt, uint64_t step_seed, int64_t first_prompt) {
  torch::NoGradGuard ng;
  const auto& pn = policy->cfg.patch_nums;
  const int G = opt.group_size;
  const VmrLayout lay = vmr_layout(opt.vmr, G, pn);

  RolloutBatch rb;
  std::vector<torch::Tensor> idx_rows;
  for (size_t q = 0; q < prompts.size(); ++q) {
    const uint64_t group_seed = derive_seed(step_seed, static_cast<uint64_t>(first_prompt) + q);
    auto out = sample_group(policy, vae, prompts[q].prompt, opt.sampling, lay, G, group_seed, opt.batch_size);
    idx_rows.push_back(cat_scales(out.idx_Bl));
    for (auto& im : tensor_to_images(out.images_B3HW)) rb.images.push_back(std::move(im));
    for (int i = 0; i < G; ++i) rb.prompts.push_back(prompts[q]);
  }
  rb.idx_BL = torch::cat(idx_rows);
  const int64_t B = rb.idx_BL.size(0);

  auto t_reward = std::chrono::steady_clock::now();
  auto results = reward.score(rb.images, rb.prompts);
  rb.reward_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_reward).count();
  std::vector<double> r(B);
  std::vector<std::vector<Box>> boxes_B(B);
  for (int64_t i = 0; i < B; ++i) {
    r[i] = results[i].reward;
    for (auto& [k, v] : results[i].parts) rb.reward_parts[k].push_back(v);
    for (auto& w : results[i].words) boxes_B[i].push_back(w.box);
  }
  rb.rewards_B = torch::tensor(r, torch::kDouble);

  if (opt.mp) {
    rb.mp = mp_batch_weights(boxes_B, G, lay.K, lay.m_begin, vae->cfg.image_height, vae->cfg.image_width, pn,
                             opt.mask);
  } else {
    rb.mp.w_BL = torch::ones({B, rb.idx_BL.size(1)});
    rb.mp.live_S.assign(pn.size(), 1.0);
  }
  return rb;
}

}  // namespace varrl
