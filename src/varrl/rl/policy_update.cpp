#include "varrl/rl/policy_update.h"

#include "varrl/sampler/sampler.h"

namespace varrl {

namespace {

// Per-token results of one epoch over the whole batch.
struct EpochTokens {
  torch::Tensor term_BL, ratio_BL, clipped_BL, kl_BL, entropy_BL;
  double loss = 0;
};

}  // namespace

UpdateStats update_policy(VAR& policy, VAR& ref, VQVAE& vae, torch::optim::Optimizer& opt, DataParallel& dp,
                          const UpdateBatch& batch, const UpdateOptions& uopt) {
  const auto& pn = policy->cfg.patch_nums;
  const int64_t B = batch.idx_BL.size(0), L = batch.idx_BL.size(1), mb = std::max<int64_t>(1, uopt.micro_batch);
  auto prompts_of = [&](int64_t i, int64_t j) {
    return std::vector<std::string>(batch.prompts.begin() + i, batch.prompts.begin() + j);
  };
  auto logp_of = [&](VAR& var, int64_t i, int64_t j, const torch::Tensor& x_BLCv) {
    return log_probs(var, var->encode_prompts(prompts_of(i, j)), batch.idx_BL.slice(0, i, j), x_BLCv.slice(0, i, j),
                     uopt.logprob);
  };

  // Teacher-forcing inputs, π_old and reference log-probs (same micro-batches as the update → ratio exactly 1). With
  // one inner epoch π_old is the update's own forward pass, detached (TRL's num_iterations = 1): no extra pass.
  torch::Tensor x_BLCv, old_BL, ref_BL;
  {
    torch::NoGradGuard ng;
    x_BLCv = vae->quantize->idxBl_to_var_input(split_scales(batch.idx_BL, pn));
    if (uopt.epochs > 1) old_BL = torch::empty({B, L});
    if (ref) ref_BL = torch::empty({B, L});
    for (int64_t i = 0; i < B; i += mb) {
      const int64_t j = std::min(B, i + mb);
      if (uopt.epochs > 1) old_BL.slice(0, i, j) = logp_of(policy, i, j, x_BLCv).logp_BL;
      if (ref) ref_BL.slice(0, i, j) = logp_of(ref, i, j, x_BLCv).logp_BL;
    }
  }

  policy->train();
  UpdateStats st;
  auto active_BL = (batch.w_BL > 0).to(torch::kFloat32);
  const double n_active = std::max(1.0, active_BL.sum().item<double>());
  const double w_sum = std::max(1e-12, batch.w_BL.sum().item<double>());
  for (int e = 0; e < uopt.epochs && st.skipped.empty(); ++e) {
    opt.zero_grad();
    EpochTokens tok{torch::zeros({B, L}), torch::ones({B, L}), torch::zeros({B, L}), torch::zeros({B, L}),
                    torch::zeros({B, L})};
    for (int64_t i = 0; i < B; i += mb) {
      const int64_t j = std::min(B, i + mb);
      auto lp = logp_of(policy, i, j, x_BLCv);
      auto old = uopt.epochs > 1 ? old_BL.slice(0, i, j) : lp.logp_BL.detach();
      auto out = grpo_loss({lp.logp_BL, old, ref ? ref_BL.slice(0, i, j) : torch::Tensor(),
                            batch.A_BL.slice(0, i, j), batch.w_BL.slice(0, i, j)},
                           uopt.loss, pn, batch.denominator);
      out.loss.backward();
      tok.loss += out.loss.item<double>();
      tok.term_BL.slice(0, i, j) = out.term_BL;
      tok.ratio_BL.slice(0, i, j) = out.ratio_BL;
      tok.clipped_BL.slice(0, i, j) = out.clipped_BL.to(torch::kFloat32);
      tok.kl_BL.slice(0, i, j) = out.kl_BL;
      tok.entropy_BL.slice(0, i, j) = lp.entropy_BL;
    }
    dp.all_reduce_grads(policy->parameters());  // Σ over ranks = the gradient of the whole step's batch
    st.loss = dp.sum(tok.loss);
    st.clip_ratio = (tok.clipped_BL * active_BL).sum().item<double>() / n_active;
    st.kl = (tok.kl_BL * batch.w_BL).sum().item<double>() / w_sum;
    if (e == 0) {
      st.clip_ratio0 = st.clip_ratio, st.kl0 = st.kl;
      st.ratio_mean0 = (tok.ratio_BL * active_BL).sum().item<double>() / n_active;
      st.ratio_max_dev0 = ((tok.ratio_BL - 1).abs() * active_BL).max().item<double>();
      const double abs_total = std::max(1e-30, tok.term_BL.abs().sum().item<double>());
      for (const auto& s : scale_spans(pn)) {
        st.entropy_S.push_back(tok.entropy_BL.slice(1, s.begin, s.end).mean().item<double>());
        st.kl_S.push_back(tok.kl_BL.slice(1, s.begin, s.end).mean().item<double>());
        st.loss_share_S.push_back(tok.term_BL.slice(1, s.begin, s.end).abs().sum().item<double>() / abs_total);
      }
    }
    // NaN/Inf guard: a bad loss, gradient or reward skips the update and never reaches a checkpoint.
    st.grad_norm = torch::nn::utils::clip_grad_norm_(policy->parameters(), uopt.grad_clip);
    if (!batch.finite_rewards) st.skipped = "non-finite reward";
    else if (!std::isfinite(st.loss)) st.skipped = "non-finite loss";
    else if (!std::isfinite(st.grad_norm)) st.skipped = "non-finite gradient";
    if (!st.skipped.empty()) {
      opt.zero_grad();
      break;
    }
    opt.step();
  }
  policy->eval();
  return st;
}

}  // namespace varrl
