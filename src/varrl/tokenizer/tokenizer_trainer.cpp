#include "varrl/tokenizer/tokenizer_trainer.h"

#include <chrono>
#include <filesystem>

#include "varrl/core/atomic_file.h"
#include "varrl/core/lr_schedule.h"
#include "varrl/core/config_check.h"
#include "varrl/core/checkpoint.h"
#include "varrl/core/metrics.h"
#include "varrl/core/run_lock.h"
#include "varrl/core/progress.h"
#include "varrl/core/tensor_io.h"
#include "varrl/core/train_state.h"
#include "varrl/tokenizer/tokenizer_io.h"

namespace varrl {

namespace F = torch::nn::functional;

static void save_checkpoint(const std::string& dir, VQVAE& vae, torch::optim::AdamW& opt, int64_t step,
                            const Config& cfg) {
  CheckpointWriter ckpt(dir);  // one unit: the weights a resume reads are in it too (core/checkpoint.h)
  save_module(ckpt.file("tokenizer.safetensors"), *vae);
  save_adamw(ckpt.file("tokenizer_optim.safetensors"), opt);
  save_tensors(ckpt.file("tokenizer_rng.safetensors"), {{"cpu", cpu_rng_state()}});
  write_file_atomic(ckpt.file("tokenizer_state.json"), nlohmann::json{{"step", step}}.dump());
  ckpt.commit();
  // The model folder's copy, for every other command.
  save_model_config(dir, cfg);
  save_tokenizer(dir, vae);
}

void check_tokenizer_train_config(const Config& cfg) {
  for (const char* key : {"tokenizer_train.steps", "tokenizer_train.batch_size"}) require_at_least(cfg, key, 1);
  for (const char* key : {"tokenizer_train.weight_decay", "tokenizer_train.warmup_steps", "tokenizer_train.l1_weight",
                          "tokenizer_train.l2_weight", "tokenizer_train.dead_code_every",
                          "tokenizer_train.log_every", "tokenizer_train.ckpt_every", "tokenizer_train.lr"})
    require_at_least(cfg, key, 0);
  require_in(cfg, "tokenizer_train.coarse_usage_target", 0, 1);
}

TokenizerTrainResult train_tokenizer(VQVAE& vae, const Config& cfg, const BatchSource& batches,
                                     const std::string& out_dir, bool resume) {
  check_tokenizer_train_config(cfg);
  const int64_t steps = cfg.get<int64_t>("tokenizer_train.steps");
  const double lr = cfg.get<double>("tokenizer_train.lr");
  const int64_t warmup = cfg.get<int64_t>("tokenizer_train.warmup_steps");
  const double l1w = cfg.get<double>("tokenizer_train.l1_weight"), l2w = cfg.get<double>("tokenizer_train.l2_weight");
  const int64_t dead_every = cfg.get<int64_t>("tokenizer_train.dead_code_every");
  const double coarse_target = cfg.get<double>("tokenizer_train.coarse_usage_target");
  const int64_t log_every = std::max<int64_t>(1, cfg.get<int64_t>("tokenizer_train.log_every"));
  const int64_t ckpt_every = cfg.get<int64_t>("tokenizer_train.ckpt_every");

  torch::optim::AdamW opt(vae->parameters(),
                          torch::optim::AdamWOptions(lr).betas({0.9, 0.95}).weight_decay(
                              cfg.get<double>("tokenizer_train.weight_decay")));
  int64_t start = 0;
  if (!out_dir.empty()) lock_run_folder(out_dir);
  if (resume) {
    recover_checkpoint(out_dir);
    auto st = read_state_json(out_dir + "/state/tokenizer_state.json");
    start = st.at("step").get<int64_t>();
    // Checkpoints hold their own copy of the weights; folders written before that only the model folder's.
    const std::string weights = out_dir + "/state/tokenizer.safetensors";
    load_module(std::filesystem::exists(weights) ? weights : out_dir + "/tokenizer.safetensors", *vae);
    load_adamw(out_dir + "/state/tokenizer_optim.safetensors", opt);
    set_cpu_rng_state(load_tensors(out_dir + "/state/tokenizer_rng.safetensors").at("cpu"));
  }
  vae->train();
  std::unique_ptr<MetricsWriter> metrics;
  if (resume) trim_jsonl_after_step(out_dir + "/tokenizer_metrics.jsonl", start);  // those steps run again
  if (!out_dir.empty()) metrics = std::make_unique<MetricsWriter>(out_dir + "/tokenizer_metrics.jsonl", resume);

  auto gen = at::detail::createCPUGenerator(cfg.get<int64_t>("runtime.seed") + 7919);
  TokenizerTrainResult res;
  Progress bar("tokenizer", steps);
  bar.update(start);
  auto t0 = std::chrono::steady_clock::now();
  double window = 0;
  int64_t window_n = 0;
  for (int64_t step = start; step < steps; ++step) {
    set_lr(opt, lr_at(step, lr, warmup, steps));
    auto x = batches(step);
    auto out = vae->forward(x);
    auto rec = l1w * (out.rec_B3HW - x).abs().mean() + l2w * F::mse_loss(out.rec_B3HW, x);
    auto loss = rec + out.vq_loss;
    opt.zero_grad();
    loss.backward();
    auto gn = torch::nn::utils::clip_grad_norm_(vae->parameters(), 1.0);
    opt.step();
    double l = loss.item<double>();
    window += l, ++window_n;
    if (dead_every > 0 && (step + 1) % dead_every == 0) {
      int64_t n = vae->quantize->restart_dead_codes(gen, coarse_target);
      if (n > 0) spdlog::debug("step {}: restarted {} dead codes", step + 1, n);
    }
    if ((step + 1) % log_every == 0 || step + 1 == steps) {
      double mean = window / window_n;
      if (res.first_loss == 0) res.first_loss = mean;
      res.last_loss = mean;
      if (metrics) {
        nlohmann::json row{{"step", step + 1},          {"loss", mean},
                           {"rec", rec.item<double>()}, {"vq", out.vq_loss.item<double>()},
                           {"grad_norm", gn},           {"lr", lr_at(step, lr, warmup, steps)}};
        metrics->write(row);
      }
      window = 0, window_n = 0;
    }
    bar.update(step + 1, "loss=" + std::to_string(l).substr(0, 6));
    if (!out_dir.empty() && ckpt_every > 0 && (step + 1) % ckpt_every == 0 && step + 1 < steps)
      save_checkpoint(out_dir, vae, opt, step + 1, cfg);
  }
  bar.finish();
  if (!out_dir.empty()) save_checkpoint(out_dir, vae, opt, steps, cfg);
  res.steps = steps - start;
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  vae->eval();
  return res;
}

nlohmann::json evaluate_tokenizer(VQVAE& vae, const torch::Tensor& images, int batch_size) {
  torch::NoGradGuard ng;
  vae->eval();
  const auto& cfg = vae->cfg;
  const int SN = static_cast<int>(cfg.patch_nums.size());
  std::vector<torch::Tensor> hits;
  for (int si = 0; si < SN; ++si) hits.push_back(torch::zeros({cfg.vocab_size}, torch::kLong));
  double psnr_sum = 0, l1_sum = 0;
  const int64_t N = images.size(0);
  for (int64_t i = 0; i < N; i += batch_size) {
    auto x = images.slice(0, i, std::min(N, i + batch_size));
    auto idx = vae->img_to_idxBl(x);
    for (int si = 0; si < SN; ++si) hits[si] += torch::bincount(idx[si].flatten().cpu(), {}, cfg.vocab_size);
    auto rec = vae->idxBl_to_img(idx);
    // PSNR on 8-bit pixel values, as a viewer sees them.
    auto to8 = [](const torch::Tensor& t) { return t.clamp(-1, 1).add(1).mul(127.5).round(); };
    auto mse = (to8(rec) - to8(x)).pow(2).mean({1, 2, 3}).clamp_min(1e-10);
    psnr_sum += (10.0 * torch::log10(255.0 * 255.0 / mse)).sum().item<double>();
    l1_sum += (rec - x).abs().mean({1, 2, 3}).sum().item<double>();
  }
  nlohmann::json usage = nlohmann::json::array();
  double min_usage = 1.0;
  for (int si = 0; si < SN; ++si) {
    // A scale with n = h·w·N token slots can use at most min(V, n) codes.
    const double cap = std::min<double>(cfg.vocab_size, static_cast<double>(cfg.patch_nums[si].area()) * N);
    double used = (hits[si] > 0).sum().item<double>();
    usage.push_back({{"scale", {cfg.patch_nums[si].h, cfg.patch_nums[si].w}}, {"codes_used", used},
                     {"fraction_of_vocab", used / cfg.vocab_size}, {"fraction_of_possible", used / cap}});
    min_usage = std::min(min_usage, used / cap);
  }
  return {{"images", N}, {"psnr", psnr_sum / N}, {"l1", l1_sum / N}, {"codebook_usage", usage},
          {"min_usage_fraction_of_possible", min_usage}};
}

}  // namespace varrl
