#include "varrl/rl/rollout.h"

#include <chrono>

#include "varrl/core/error.h"
#include "varrl/data/image_tensor.h"
#include "varrl/reward/reward.h"
#include "varrl/reward/text_distance.h"
#include "varrl/rl/char_credit.h"
#include "varrl/sampler/sampler.h"

namespace varrl {

namespace {

uint64_t mix(uint64_t a, uint64_t b) {
  uint64_t z = a * 0x9E3779B97F4A7C15ull + b + 0x632BE59BD9B4E019ull;
  z = (z ^ (z >> 31)) * 0xBF58476D1CE4E5B9ull;
  return (z ^ (z >> 29)) & 0x7FFFFFFFFFFFFFFFull;
}

}  // namespace

RolloutBatch collect_rollouts(VAR& policy, VQVAE& vae, RewardFn& reward, const std::vector<PromptRecord>& prompts,
                              const RolloutOptions& opt, uint64_t step_seed, int64_t first_prompt) {
  torch::NoGradGuard ng;
  const auto& pn = policy->cfg.patch_nums;
  const int SN = static_cast<int>(pn.size()), G = opt.group_size;
  const int K = opt.vmr ? opt.K : 1, P = G / K;  // P prefixes per prompt
  if (opt.vmr && (G % K != 0 || opt.middle_scale <= 0 || opt.middle_scale >= SN))
    throw Error("rl.vmr: group_size must be a multiple of K and 0 < middle_scale < number of scales");
  // Suffix (final-reward) advantages compare the K continuations of a prefix, or the prompt's G images.
  const bool per_prefix = opt.vmr && opt.suffix_group == "prefix";
  if (per_prefix && K < 2)
    throw Error("rl.vmr.K = 1 leaves one continuation per prefix: set rl.vmr.suffix_group=prompt");
  const int64_t m_begin = policy->cfg.begin(opt.vmr ? opt.middle_scale : SN);  // first suffix token

  RolloutBatch rb;
  std::vector<torch::Tensor> idx_rows;
  std::vector<int64_t> prefix_id, prompt_id;  // per sequence
  for (size_t q = 0; q < prompts.size(); ++q) {
    std::vector<torch::Tensor> prefix;
    if (opt.vmr) {
      std::vector<uint64_t> pre_seeds;
      for (int i = 0; i < P; ++i) pre_seeds.push_back(mix(step_seed, (first_prompt + q) * 1000 + i));
      auto pre = sample_prompt(policy, vae, prompts[q].prompt, opt.sampling, pre_seeds, {}, opt.batch_size,
                                opt.middle_scale);
      for (int si = 0; si < opt.middle_scale; ++si) prefix.push_back(pre.idx_Bl[si].repeat_interleave(K, 0));
    }
    std::vector<uint64_t> seeds;
    for (int i = 0; i < G; ++i) seeds.push_back(mix(step_seed, (first_prompt + q) * 1000 + 500 + i));
    auto out = sample_prompt(policy, vae, prompts[q].prompt, opt.sampling, seeds, prefix, opt.batch_size);
    idx_rows.push_back(cat_scales(out.idx_Bl));
    for (auto& im : tensor_to_images(out.images_B3HW)) rb.images.push_back(std::move(im));
    for (int i = 0; i < G; ++i) {
      rb.prompts.push_back(prompts[q]);
      prefix_id.push_back(static_cast<int64_t>(q) * P + i / K);
      prompt_id.push_back(static_cast<int64_t>(q));
    }
  }
  rb.idx_BL = torch::cat(idx_rows);
  const int64_t B = rb.idx_BL.size(0), L = rb.idx_BL.size(1), Q = static_cast<int64_t>(prompts.size());

  auto t_reward = std::chrono::steady_clock::now();
  auto results = reward.score(rb.images, rb.prompts);
  rb.reward_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_reward).count();
  std::vector<double> r(B);
  for (int64_t i = 0; i < B; ++i) {
    r[i] = results[i].reward;
    for (auto& [k, v] : results[i].parts) rb.reward_parts[k].push_back(v);
  }
  rb.rewards_B = torch::tensor(r, torch::kDouble);
  auto prompt_N = torch::tensor(prompt_id, torch::kLong), prefix_N = torch::tensor(prefix_id, torch::kLong);

  // Suffix (or whole-trajectory) advantages from the final rewards.
  auto suffix = group_advantages(rb.rewards_B, per_prefix ? prefix_N : prompt_N, per_prefix ? Q * P : Q, opt.adv);
  auto prompt_adv = group_advantages(rb.rewards_B, prompt_N, Q, opt.adv);
  rb.frac_zero_std = prompt_adv.zero_std_G.to(torch::kDouble).mean().item<double>();
  torch::Tensor A_prefix_N = suffix.A_N;
  rb.prefix_rep_B = torch::ones({B}, torch::kBool);
  if (opt.vmr) {
    // Prefix problem: return V̂_m per prefix, advantages across the prefixes of a prompt.
    rb.values_P = soft_value(rb.rewards_B.view({Q * P, K}), opt.eta);
    auto pre_prompt = torch::arange(Q * P, torch::kLong).div(P, "floor");
    auto pre_adv = group_advantages(rb.values_P, pre_prompt, Q, opt.adv);
    A_prefix_N = pre_adv.A_N.index_select(0, prefix_N);
    rb.prefix_rep_B = torch::arange(B, torch::kLong).remainder(K) == 0;
  }
  auto in_suffix_L = torch::arange(L, torch::kLong) >= m_begin;
  // The final rewards' advantage per token: the image's A_i everywhere, or blended with per-letter credit.
  torch::Tensor A_final_BL = suffix.A_N.view({B, 1}).expand({B, L}).contiguous();
  if (opt.char_credit > 0) {
    const int64_t span = per_prefix ? K : G;  // rows of one suffix group (contiguous)
    const int H = vae->cfg.image_height, W = vae->cfg.image_width;
    double matched = 0;
    for (int64_t i = 0; i < B; i += G) {
      const auto& p = rb.prompts[i];
      if (p.texts.empty() || p.boxes.empty())
        throw Error("rl.char_credit needs prompts with a text box (rendered prompts, `varrl render`)");
      const std::string target = remove_spaces(to_lower(p.texts[0]));
      auto M_LK = symbol_overlap_LK(p.boxes[0], static_cast<int>(text_length(target)), H, W, pn);
      std::vector<torch::Tensor> c_rows;
      for (int64_t j = i; j < i + G; ++j) {
        if (!results[j].ocr) throw Error("rl.char_credit needs an OCR reward (reward.weights.ocr_ned or ocr_paper)");
        c_rows.push_back(torch::tensor(matched_symbols(target, join_words(results[j].words)), torch::kFloat32));
      }
      auto c_GK = torch::stack(c_rows);
      matched += c_GK.mean().item<double>() * G / B;
      for (int64_t j = i; j < i + G; j += span) {
        auto a_GK = symbol_advantages(c_GK.slice(0, j - i, j - i + span), opt.adv.eps, opt.adv.clip);
        A_final_BL.slice(0, j, j + span) =
            char_credit_advantages(suffix.A_N.slice(0, j, j + span), a_GK, M_LK, opt.char_credit);
      }
    }
    rb.char_matched = matched;
  }
  rb.A_suffix_BL = A_final_BL * in_suffix_L.to(torch::kFloat32).view({1, L});
  auto A_prefix_BL = opt.vmr ? A_prefix_N.view({B, 1}).expand({B, L}) : A_final_BL;
  rb.A_prefix_BL = A_prefix_BL * (~in_suffix_L).to(torch::kFloat32).view({1, L});
  if (opt.drop_zero_std) {
    auto keep = (~prompt_adv.zero_std_G).index_select(0, prompt_N).to(torch::kFloat32).view({B, 1});
    rb.A_suffix_BL = rb.A_suffix_BL * keep;
    rb.A_prefix_BL = rb.A_prefix_BL * keep;
  }

  // Mask propagation from the reward's attribution boxes.
  rb.mp_BL = torch::ones({B, L});
  rb.mp_live_S.assign(SN, 0.0);
  if (opt.mp) {
    const int H = vae->cfg.image_height, W = vae->cfg.image_width;
    if (opt.mask_scope != "sample" && opt.mask_scope != "group")
      throw Error("rl.mp.scope must be sample or group, got '" + opt.mask_scope + "'");
    // scope sample: each image's own boxes; scope group: the union of the boxes of the prompt's G images, the same
    // mask for all of them (so that the weighting does not depend on the image's own outcome).
    const int64_t span = opt.mask_scope == "group" ? G : 1;
    for (int64_t i = 0; i < B; i += span) {
      std::vector<Box> boxes;
      for (int64_t j = i; j < i + span; ++j) {
        if (results[j].words.empty()) rb.mp_no_boxes += 1.0 / B;
        for (auto& w : results[j].words) boxes.push_back(w.box);
      }
      std::vector<double> live;
      auto w_L = mp_token_weights(boxes, H, W, pn, opt.mask, &live);
      for (int64_t j = i; j < i + span; ++j) rb.mp_BL[j] = w_L;
      for (int s = 0; s < SN; ++s) rb.mp_live_S[s] += live[s] * span / B;
    }
    if (opt.vmr) {
      // A prefix is shared by its K continuations: its tokens take the union (max) of their masks.
      for (int64_t i = 0; i < B; i += K) {
        auto u = std::get<0>(rb.mp_BL.slice(0, i, i + K).max(0));
        rb.mp_BL[i].slice(0, 0, m_begin) = u.slice(0, 0, m_begin);
      }
    }
  } else {
    rb.mp_live_S.assign(SN, 1.0);
  }
  return rb;
}

}  // namespace varrl
