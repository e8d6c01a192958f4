#include "varrl/model/pretrain.h"

#include <chrono>
#include <filesystem>

#include "varrl/core/atomic_file.h"
#include "varrl/core/error.h"
#include "varrl/core/lr_schedule.h"
#include "varrl/core/config_check.h"
#include "varrl/core/checkpoint.h"
#include "varrl/core/metrics.h"
#include "varrl/core/run_lock.h"
#include "varrl/core/progress.h"
#include "varrl/core/tensor_io.h"
#include "varrl/core/train_state.h"
#include "varrl/model/policy_io.h"
#include "varrl/model/self_correction.h"
#include "varrl/tokenizer/scale_tokens.h"

namespace varrl {

namespace F = torch::nn::functional;

torch::Tensor encode_images(VQVAE& vae, const torch::Tensor& images, int batch_size) {
  torch::NoGradGuard ng;
  std::vector<torch::Tensor> out;
  for (int64_t i = 0; i < images.size(0); i += batch_size)
    out.push_back(cat_scales(vae->img_to_idxBl(images.slice(0, i, std::min(images.size(0), i + batch_size)))));
  return torch::cat(out, 0);
}

torch::Tensor scale_token_weights(const std::vector<Scale>& pn, double alpha) {
  std::vector<float> w;
  for (const auto& s : pn)
    for (int j = 0; j < s.area(); ++j) w.push_back(static_cast<float>(std::pow(s.area(), -alpha)));
  auto t = torch::tensor(w);
  return t * (t.numel() / t.sum());
}

static void save_pretrain_checkpoint(const std::string& dir, VAR& var, VAR* ema, torch::optim::AdamW& opt,
                                     int64_t step) {
  CheckpointWriter ckpt(dir);  // one unit: all of these files or none (core/checkpoint.h)
  save_policy(ckpt.file("policy_raw.safetensors"), var);
  if (ema) save_policy(ckpt.file("policy_ema.safetensors"), *ema);
  save_adamw(ckpt.file("pretrain_optim.safetensors"), opt);
  save_tensors(ckpt.file("pretrain_rng.safetensors"), {{"cpu", cpu_rng_state()}});
  write_file_atomic(ckpt.file("pretrain_state.json"), nlohmann::json{{"step", step}}.dump());
  ckpt.commit();
  save_policy(dir + "/policy.safetensors", ema ? *ema : var);
}

void check_pretrain_config(const Config& cfg) {
  for (const char* key : {"pretrain.steps", "pretrain.batch_size"}) require_at_least(cfg, key, 1);
  for (const char* key : {"pretrain.weight_decay", "pretrain.warmup_steps", "pretrain.grad_clip", "pretrain.log_every",
                          "pretrain.ckpt_every", "pretrain.stop_at", "pretrain.lr"})  // lr 0: a no-op run
    require_at_least(cfg, key, 0);
  require_in(cfg, "pretrain.ema", 0, 1, true);
  for (const char* key : {"pretrain.cond_drop", "pretrain.self_correction"})
    require_in(cfg, key, 0, 1);
}

PretrainResult pretrain(VAR& var, VAR* ema, VQVAE& vae, const PretrainData& data, const Config& cfg,
                        const std::string& out_dir, bool resume) {
  check_pretrain_config(cfg);
  const int64_t steps = cfg.get<int64_t>("pretrain.steps"), B = cfg.get<int64_t>("pretrain.batch_size");
  const double lr = cfg.get<double>("pretrain.lr"), clip = cfg.get<double>("pretrain.grad_clip");
  const int64_t warmup = cfg.get<int64_t>("pretrain.warmup_steps");
  const double cond_drop = cfg.get<double>("pretrain.cond_drop"), ema_decay = cfg.get<double>("pretrain.ema");
  const int64_t log_every = std::max<int64_t>(1, cfg.get<int64_t>("pretrain.log_every"));
  const int64_t ckpt_every = cfg.get<int64_t>("pretrain.ckpt_every");
  // pretrain.stop_at ends this run early (with a checkpoint) on pretrain.steps' LR schedule; resume continues it.
  const int64_t stop_at = cfg.get<int64_t>("pretrain.stop_at");
  const int64_t end = stop_at > 0 ? std::min(stop_at, steps) : steps;
  const uint64_t seed = cfg.get<int64_t>("runtime.seed");
  const double self_correction = cfg.get<double>("pretrain.self_correction");
  const auto& pn = var->cfg.patch_nums;
  const int SN = static_cast<int>(pn.size());
  const int64_t N = data.codes_NL.size(0), L = var->cfg.L(), V = var->cfg.vocab_size;
  auto w_L = scale_token_weights(pn, cfg.get<double>("pretrain.scale_alpha"));
  std::vector<double> area_S;
  for (const auto& s : pn) area_S.push_back(s.area());

  torch::optim::AdamW opt(var->parameters(), torch::optim::AdamWOptions(lr).betas({0.9, 0.95}).weight_decay(
                                                  cfg.get<double>("pretrain.weight_decay")));
  int64_t start = 0;
  if (!out_dir.empty()) lock_run_folder(out_dir);
  if (resume) {
    recover_checkpoint(out_dir);
    start = read_state_json(out_dir + "/state/pretrain_state.json").at("step").get<int64_t>();
    load_module(out_dir + "/state/policy_raw.safetensors", *var);
    if (ema) load_module(out_dir + "/state/policy_ema.safetensors", **ema);
    load_adamw(out_dir + "/state/pretrain_optim.safetensors", opt);
    set_cpu_rng_state(load_tensors(out_dir + "/state/pretrain_rng.safetensors").at("cpu"));
    spdlog::info("pretrain: resuming at step {}", start);
  }
  std::unique_ptr<MetricsWriter> metrics;
  if (resume) trim_jsonl_after_step(out_dir + "/pretrain_metrics.jsonl", start);  // those steps run again
  if (!out_dir.empty()) metrics = std::make_unique<MetricsWriter>(out_dir + "/pretrain_metrics.jsonl", resume);
  var->train();
  PretrainResult res;
  if (start >= end) {  // nothing to train: leave the checkpoint as it is
    spdlog::info("pretrain: already at step {} (this run ends at {})", start, end);
    // The model folder's copy, which a kill between the last checkpoint and that copy left one checkpoint behind.
    if (!out_dir.empty()) save_policy(out_dir + "/policy.safetensors", ema ? *ema : var);
    return res;
  }
  Progress bar("pretrain", end);
  bar.update(start);
  auto t0 = std::chrono::steady_clock::now();
  double window = 0;
  int64_t window_n = 0;
  auto loss_sum_S = torch::zeros({SN}, torch::kDouble), acc_sum_S = torch::zeros({SN}, torch::kDouble);
  for (int64_t step = start; step < end; ++step) {
    set_lr(opt, lr_at(step, lr, warmup, steps));
    // The batch and the dropped conditions are a pure function of (seed, step): resume replays them exactly.
    auto g = at::detail::createCPUGenerator(seed * 1000003 + static_cast<uint64_t>(step) + 17);
    auto rows = torch::randint(N, {B}, g, torch::kLong);
    auto drop = torch::rand({B}, g) < cond_drop;
    auto idx_BL = data.codes_NL.index_select(0, rows);
    std::vector<std::string> prompts;
    for (int64_t i = 0; i < B; ++i) prompts.push_back(data.prompts[rows[i].item<int64_t>()]);
    torch::Tensor x_BLCv;
    {
      torch::NoGradGuard ng;
      auto inputs_Bl = split_scales(idx_BL, pn);
      if (self_correction > 0) {  // targets that correct randomly replaced coarser codes
        auto sc = vae->quantize->f_to_idxBl_correcting(vae->quantize->idxBl_to_fhat(inputs_Bl),
                                                       random_flips(torch::rand({B}, g) * self_correction, V, SN, g));
        idx_BL = cat_scales(sc.labels_Bl);
        inputs_Bl = sc.inputs_Bl;
      }
      x_BLCv = vae->quantize->idxBl_to_var_input(inputs_Bl);
    }
    auto c = var->encode_prompts(prompts, drop);
    auto logits_BLV = var->forward(c, x_BLCv);
    auto ce_BL = F::cross_entropy(logits_BLV.reshape({B * L, V}), idx_BL.reshape({B * L}),
                                  F::CrossEntropyFuncOptions().reduction(torch::kNone)).view({B, L});
    auto loss = (ce_BL * w_L).mean();
    // Gradients set to none, not zero: a parameter without one this step (null_cond/null_text when no condition was
    // dropped) is skipped by AdamW — the same in a resumed run, whose fresh module starts without gradients.
    var->zero_grad(/*set_to_none=*/true);
    loss.backward();
    double gn = torch::nn::utils::clip_grad_norm_(var->parameters(), clip);
    opt.step();
    if (ema) ema_update(*ema, var, std::min(ema_decay, (1.0 + step) / (10.0 + step)));
    {
      torch::NoGradGuard ng;
      auto correct_BL = (logits_BLV.argmax(-1) == idx_BL).to(torch::kDouble);
      for (const auto& s : scale_spans(pn)) {
        loss_sum_S[s.si] += ce_BL.slice(1, s.begin, s.end).mean().item<double>();
        acc_sum_S[s.si] += correct_BL.slice(1, s.begin, s.end).mean().item<double>();
      }
    }
    window += loss.item<double>(), ++window_n;
    if ((step + 1) % log_every == 0 || step + 1 == end) {
      // Does the model read its prompt? The batch's cross-entropy with every prompt swapped for its neighbour's,
      // minus that with the true prompts, both with the weights after this step; per scale (0 = the text is
      // ignored). No gradient, no random numbers: resume stays exact.
      torch::Tensor text_gain_S = torch::zeros({SN}, torch::kDouble);
      if (var->cfg.text_cond()) {
        torch::NoGradGuard ng;
        std::vector<std::string> swapped(prompts.begin() + 1, prompts.end());
        swapped.push_back(prompts.front());
        auto ce_of = [&](const std::vector<std::string>& p) {
          return F::cross_entropy(var->forward(var->encode_prompts(p, drop), x_BLCv).reshape({B * L, V}),
                                  idx_BL.reshape({B * L}), F::CrossEntropyFuncOptions().reduction(torch::kNone))
              .view({B, L})
              .to(torch::kDouble);
        };
        auto gain_BL = ce_of(swapped) - ce_of(prompts);
        for (const auto& s : scale_spans(pn)) text_gain_S[s.si] = gain_BL.slice(1, s.begin, s.end).mean();
      }
      double mean = window / window_n;
      if (res.first_loss == 0) res.first_loss = mean;
      res.last_loss = mean;
      nlohmann::json rec{{"step", step + 1}, {"loss", mean}, {"grad_norm", gn}, {"lr", lr_at(step, lr, warmup, steps)}};
      for (int si = 0; si < SN; ++si) {
        rec["loss/scale" + std::to_string(si)] = loss_sum_S[si].item<double>() / window_n;
        rec["acc/scale" + std::to_string(si)] = acc_sum_S[si].item<double>() / window_n;
        rec["text_gain/scale" + std::to_string(si)] = text_gain_S[si].item<double>();
      }
      res.last_text_gain_S.assign(text_gain_S.data_ptr<double>(), text_gain_S.data_ptr<double>() + SN);
      res.last_text_gain = (text_gain_S * torch::tensor(area_S, torch::kDouble)).sum().item<double>() / L;
      rec["text_gain"] = res.last_text_gain;
      if (metrics) metrics->write(rec);
      window = 0, window_n = 0;
      loss_sum_S.zero_(), acc_sum_S.zero_();
    }
    bar.update(step + 1, "loss=" + std::to_string(loss.item<double>()).substr(0, 6));
    if (!out_dir.empty() && ckpt_every > 0 && (step + 1) % ckpt_every == 0 && step + 1 < end)
      save_pretrain_checkpoint(out_dir, var, ema, opt, step + 1);
  }
  bar.finish();
  if (!out_dir.empty()) save_pretrain_checkpoint(out_dir, var, ema, opt, end);
  res.steps = end - start;
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  res.tokens_per_s = res.seconds > 0 ? res.steps * B * L / res.seconds : 0;
  var->eval();
  return res;
}

}  // namespace varrl
