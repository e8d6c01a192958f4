#include "varrl/rl/trainer.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>

#include "varrl/core/atomic_file.h"
#include "varrl/core/checkpoint.h"
#include "varrl/core/error.h"
#include "varrl/core/grid.h"
#include "varrl/core/lr_schedule.h"
#include "varrl/core/progress.h"
#include "varrl/core/run_lock.h"
#include "varrl/core/runtime.h"
#include "varrl/core/tensor_io.h"
#include "varrl/core/metrics.h"
#include "varrl/core/train_state.h"
#include "varrl/data/image_tensor.h"
#include "varrl/data/render.h"
#include "varrl/model/policy_io.h"
#include "varrl/model/trainable.h"
#include "varrl/rl/evaluate.h"
#include "varrl/rl/panw.h"
#include "varrl/rl/rl_config_check.h"
#include "varrl/sampler/sampler.h"
#include "varrl/tokenizer/tokenizer_io.h"

namespace varrl {

namespace fs = std::filesystem;
using clk = std::chrono::steady_clock;

static std::atomic<bool> g_stop{false};
static std::atomic<int> g_signal{0};
static void on_signal(int sig) { g_signal = sig, g_stop = true; }
bool rl_stop_requested() { return g_stop; }
int rl_stop_signal() { return g_stop ? g_signal.load() : 0; }

static double secs(clk::time_point a) { return std::chrono::duration<double>(clk::now() - a).count(); }

static uint64_t mix_seed(uint64_t a, uint64_t b) {
  uint64_t z = a * 0xD1B54A32D192ED03ull + b * 0x9E3779B97F4A7C15ull + 1;
  z = (z ^ (z >> 32)) * 0xBF58476D1CE4E5B9ull;
  return (z ^ (z >> 29)) & 0x7FFFFFFFFFFFFFFFull;
}

RLTrainer::RLTrainer(const Config& cfg, const std::string& out_dir, bool resume, std::unique_ptr<RewardFn> reward,
                     std::shared_ptr<DataParallel> dp)
    : cfg_(cfg),
      out_dir_(out_dir),
      reward_(std::move(reward)),
      dp_(dp ? std::move(dp) : std::make_shared<DataParallel>()) {
  check_rl_config(cfg_);
  // One process per run folder; a resume first repairs what a kill left behind (core/checkpoint.h).
  if (resume && !out_dir_.empty() && dp_->is_main()) lock_run_folder(out_dir_), recover_checkpoint(out_dir_);
  const std::string base = cfg_.get<std::string>("rl.base");
  const std::string src = resume ? out_dir_ : base;
  seed_ = static_cast<uint64_t>(cfg_.get<int64_t>("runtime.seed"));
  vae_ = load_tokenizer(src, cfg_);
  policy_ = resume ? load_policy(out_dir_ + "/state", cfg_, "policy_raw.safetensors") : warm_start_policy(base, cfg_);
  if (cfg_.get<double>("rl.kl_beta") > 0) ref_ = warm_start_policy(base, cfg_);  // frozen reference = base weights
  if (dp_->active()) {
    if (cfg_.get<int>("rl.prompts_per_step") % dp_->world_size() != 0)
      throw Error("rl.prompts_per_step (" + std::to_string(cfg_.get<int>("rl.prompts_per_step")) +
                  ") must be a multiple of WORLD_SIZE (" + std::to_string(dp_->world_size()) + ")");
    if (cfg_.get<std::string>("rl.adv_norm") == "batch")
      throw Error("rl.adv_norm=batch is not supported with WORLD_SIZE > 1 (use group or none)");
    dp_->broadcast_from_main(policy_->parameters());  // every rank starts from rank 0's weights
  }
  if (cfg_.get<double>("rl.ema") > 0) {
    ema_ = make_policy(cfg_);
    copy_weights(ema_, policy_);
    if (resume) load_module(out_dir_ + "/state/policy_ema.safetensors", *ema_);
  }
  const auto trainable = select_trainable(*policy_, cfg_.get<std::string>("rl.train_params"), "rl.train_params");
  if (trainable.frozen_numel > 0)
    spdlog::info("rl: training {} of {} policy parameters (rl.train_params '{}')", trainable.trained_numel,
                 trainable.trained_numel + trainable.frozen_numel, cfg_.get<std::string>("rl.train_params"));
  auto adamw = torch::optim::AdamWOptions(cfg_.get<double>("rl.lr")).betas({0.9, 0.999});
  adamw.weight_decay(cfg_.get<double>("rl.weight_decay"));
  opt_ = std::make_unique<torch::optim::AdamW>(trainable.trained, adamw);
  if (!reward_) reward_ = make_reward(cfg_);

  ropt_.group_size = cfg_.get<int>("rl.group_size");
  ropt_.sampling = SamplingParams::from_config(cfg_, "rl.rollout");
  ropt_.adv = {cfg_.get<std::string>("rl.adv_norm"), cfg_.get<double>("rl.adv_clip"), cfg_.get<double>("rl.adv_eps")};
  ropt_.drop_zero_std = cfg_.get<bool>("rl.drop_zero_std");
  ropt_.vmr = cfg_.get<bool>("rl.vmr.enabled");
  ropt_.middle_scale = cfg_.get<int>("rl.vmr.middle_scale");
  ropt_.K = cfg_.get<int>("rl.vmr.K");
  ropt_.eta = cfg_.get<double>("rl.vmr.eta");
  ropt_.suffix_group = cfg_.get<std::string>("rl.vmr.suffix_group");
  ropt_.mp = cfg_.get<bool>("rl.mp.enabled");
  ropt_.mask = {cfg_.get<std::string>("rl.mp.pool"), cfg_.get<bool>("rl.mp.binary")};
  ropt_.mask_scope = cfg_.get<std::string>("rl.mp.scope");
  ropt_.char_credit = cfg_.get<double>("rl.char_credit");
  ropt_.batch_size = cfg_.get<int>("sampler.batch_size");
  lopt_ = {cfg_.get<double>("rl.clip_eps_low"), cfg_.get<double>("rl.clip_eps_high"), cfg_.get<double>("rl.kl_beta"),
           cfg_.get<std::string>("rl.ratio_level"), cfg_.get<std::string>("rl.loss_agg")};
  grpo_denominator(lopt_.agg, torch::ones({1, 1}));  // validates the mode early
  const auto lp = cfg_.get<std::string>("rl.logprob");
  if (lp != "policy" && lp != "sampling") throw Error("rl.logprob must be policy or sampling, got '" + lp + "'");
  logprob_params_ = lp == "policy" ? SamplingParams::plain() : ropt_.sampling;
  if (!cfg_.get<std::string>("rl.prompts").empty()) {
    prompt_pool_ = read_prompts(cfg_.get<std::string>("rl.prompts"));
    check_prompts_for_reward(prompt_pool_, cfg_, cfg_.get<std::string>("rl.prompts"));
  }

  if (out_dir_.empty()) return;
  if (resume) {
    auto st = read_state_json(out_dir_ + "/state/rl_state.json");
    step_ = st.at("step").get<int64_t>();
    bad_steps_ = st.value("bad_steps", 0);
    load_adamw(out_dir_ + "/state/rl_optim.safetensors", *opt_);
  }
  if (!dp_->is_main()) return;  // rank 0 alone writes the run folder
  lock_run_folder(out_dir_);
  if (resume) {
    // Drop metrics written after the checkpoint: the resumed run writes those steps again.
    trim_jsonl_after_step(out_dir_ + "/metrics.jsonl", step_);
    spdlog::info("rl: resuming {} at step {}", out_dir_, step_);
  } else {
    if (fs::absolute(base) != fs::absolute(out_dir_))
      fs::copy_file(base + "/tokenizer.safetensors", out_dir_ + "/tokenizer.safetensors",
                    fs::copy_options::overwrite_existing);
    save_model_config(out_dir_, cfg_);
    write_file_atomic(out_dir_ + "/metrics.jsonl", "");
  }
  metrics_ = std::make_unique<MetricsWriter>(out_dir_ + "/metrics.jsonl", true);
}

std::vector<PromptRecord> RLTrainer::prompts_for_step(int64_t s) const {
  const int P = cfg_.get<int>("rl.prompts_per_step");
  std::vector<PromptRecord> out;
  if (prompt_pool_.empty()) {
    auto opts = RenderOptions::from_config(cfg_);
    for (int i = 0; i < P; ++i) out.push_back(render_sample(opts, mix_seed(seed_ + 77, s * P + i), false).record);
  } else {
    const int64_t N = static_cast<int64_t>(prompt_pool_.size());
    for (int i = 0; i < P; ++i) {
      const int64_t k = s * P + i, epoch = k / N;
      // A seeded permutation per pass over the pool.
      auto perm = torch::randperm(N, at::detail::createCPUGenerator(mix_seed(seed_, epoch)), torch::kLong);
      out.push_back(prompt_pool_[perm[k % N].item<int64_t>()]);
    }
  }
  return out;
}

nlohmann::json RLTrainer::step(int64_t s) {
  const auto t_start = clk::now();
  const auto& pn = policy_->cfg.patch_nums;
  const int SN = static_cast<int>(pn.size());
  const int64_t steps = cfg_.get<int64_t>("rl.steps");
  const double lr = lr_at(s, cfg_.get<double>("rl.lr"), cfg_.get<int64_t>("rl.warmup_steps"), steps, 1.0);
  set_lr(*opt_, lr);

  // 1. Rollouts from π_old (the current weights) and their rewards.
  policy_->eval();
  auto all_prompts = prompts_for_step(s);  // this rank's share: whole groups, seeded by their global index
  const int64_t share = static_cast<int64_t>(all_prompts.size()) / dp_->world_size(), first = dp_->rank() * share;
  std::vector<PromptRecord> my_prompts(all_prompts.begin() + first, all_prompts.begin() + first + share);
  RolloutBatch rb = collect_rollouts(policy_, vae_, *reward_, my_prompts, ropt_, mix_seed(seed_, s), first);
  const double t_rollout = secs(t_start);
  const int64_t B = rb.idx_BL.size(0), L = rb.idx_BL.size(1);

  // 2. Which tokens this step trains (VMR phase), and the advantage each token carries.
  const VmrPhase phase = ropt_.vmr ? vmr_phase(cfg_.get<std::string>("rl.vmr.schedule"), s) : VmrPhase::Both;
  const bool train_prefix = phase != VmrPhase::Suffix, train_suffix = phase != VmrPhase::Prefix;
  const int m = ropt_.vmr ? ropt_.middle_scale : SN;
  auto in_prefix_L = torch::arange(L) < policy_->cfg.begin(m);
  auto rep_B1 = rb.prefix_rep_B.view({B, 1});
  auto seg_BL = ((in_prefix_L.view({1, L}) & rep_B1) * train_prefix) | ((~in_prefix_L).view({1, L}) * train_suffix);
  auto A_BL = rb.A_prefix_BL * rep_B1.to(torch::kFloat32) * train_prefix + rb.A_suffix_BL * train_suffix;
  auto active_S = torch::zeros({SN}, torch::kBool);
  for (int t = 0; t < SN; ++t) active_S[t] = t < m ? train_prefix : train_suffix;

  // 3. Token weights: PANW (per scale, normalised across the active scales) × MP mask × active segment.
  auto panw_S = cfg_.get<bool>("rl.panw.enabled")
                    ? panw_scale_weights(pn, cfg_.get<double>("rl.panw.alpha"), active_S)
                    : active_S.to(torch::kFloat32);
  auto w_BL = per_token(panw_S, pn).view({1, L}) * rb.mp_BL * seg_BL.to(torch::kFloat32);
  const double denom = dp_->sum(grpo_denominator(lopt_.agg, w_BL));  // additive over ranks: Σw, B or B·L

  // 4. Teacher-forcing inputs, π_old and reference log-probs (same micro-batches as the update → ratio exactly 1).
  //    With one inner epoch π_old is the update's own forward pass, detached (TRL's num_iterations = 1): no extra pass.
  const int epochs = cfg_.get<int>("rl.inner_epochs");
  const int64_t mb = std::max(1, cfg_.get<int>("rl.micro_batch"));
  torch::Tensor x_BLCv;
  {
    torch::NoGradGuard ng;
    x_BLCv = vae_->quantize->idxBl_to_var_input(split_scales(rb.idx_BL, pn));
  }
  auto prompts_of = [&](int64_t i, int64_t j) {
    std::vector<std::string> p;
    for (int64_t k = i; k < j; ++k) p.push_back(rb.prompts[k].prompt);
    return p;
  };
  auto old_BL = epochs > 1 ? torch::empty({B, L}) : torch::Tensor(), ref_BL = torch::empty({B, L});
  {
    torch::NoGradGuard ng;
    for (int64_t i = 0; i < B; i += mb) {
      const int64_t j = std::min(B, i + mb);
      auto idx = rb.idx_BL.slice(0, i, j), x = x_BLCv.slice(0, i, j);
      if (epochs > 1)
        old_BL.slice(0, i, j) =
            log_probs(policy_, policy_->encode_prompts(prompts_of(i, j)), idx, x, logprob_params_).logp_BL;
      if (ref_)
        ref_BL.slice(0, i, j) =
            log_probs(ref_, ref_->encode_prompts(prompts_of(i, j)), idx, x, logprob_params_).logp_BL;
    }
  }

  // 5. Inner epochs of the clipped surrogate + KL, accumulated over micro-batches.
  policy_->train();
  double grad_norm = 0, clip_frac = 0, kl_mean = 0, ratio_mean0 = 0, ratio_dev0 = 0;
  auto entropy_S = torch::zeros({SN}, torch::kDouble), kl_S = torch::zeros({SN}, torch::kDouble);
  auto share_S = torch::zeros({SN}, torch::kDouble);
  std::string skipped;
  nlohmann::json rec0;
  const double w_sum = std::max(1e-12, w_BL.sum().item<double>());
  for (int e = 0; e < epochs && skipped.empty(); ++e) {
    opt_->zero_grad();
    double loss_total = 0;
    auto term_BL = torch::zeros({B, L}), ratio_BL = torch::ones({B, L}), clip_BL = torch::zeros({B, L});
    auto kl_BL = torch::zeros({B, L}), ent_BL = torch::zeros({B, L});
    for (int64_t i = 0; i < B; i += mb) {
      const int64_t j = std::min(B, i + mb);
      auto idx = rb.idx_BL.slice(0, i, j);
      auto lp =
          log_probs(policy_, policy_->encode_prompts(prompts_of(i, j)), idx, x_BLCv.slice(0, i, j), logprob_params_);
      auto old = epochs > 1 ? old_BL.slice(0, i, j) : lp.logp_BL.detach();
      auto out = grpo_loss({lp.logp_BL, old, ref_ ? ref_BL.slice(0, i, j) : torch::Tensor(),
                            A_BL.slice(0, i, j), w_BL.slice(0, i, j)},
                           lopt_, pn, denom);
      out.loss.backward();
      loss_total += out.loss.item<double>();
      term_BL.slice(0, i, j) = out.term_BL;
      ratio_BL.slice(0, i, j) = out.ratio_BL;
      clip_BL.slice(0, i, j) = out.clipped_BL.to(torch::kFloat32);
      kl_BL.slice(0, i, j) = out.kl_BL;
      ent_BL.slice(0, i, j) = lp.entropy_BL;
    }
    dp_->all_reduce_grads(policy_->parameters());  // Σ over ranks = the gradient of the whole step's batch
    loss_total = dp_->sum(loss_total);
    auto active_BL = (w_BL > 0).to(torch::kFloat32);
    const double n_active = std::max(1.0, active_BL.sum().item<double>());
    clip_frac = (clip_BL * active_BL).sum().item<double>() / n_active;
    kl_mean = (kl_BL * w_BL).sum().item<double>() / w_sum;
    if (e == 0) {
      rec0 = {{"clip_ratio/epoch0", clip_frac}, {"kl/epoch0", kl_mean}};
      ratio_mean0 = (ratio_BL * active_BL).sum().item<double>() / n_active;
      ratio_dev0 = ((ratio_BL - 1).abs() * active_BL).max().item<double>();
      int64_t off = 0;
      const double abs_total = std::max(1e-30, term_BL.abs().sum().item<double>());
      for (int t = 0; t < SN; ++t) {
        const int64_t l = pn[t].area();
        entropy_S[t] = ent_BL.slice(1, off, off + l).mean().item<double>();
        kl_S[t] = kl_BL.slice(1, off, off + l).mean().item<double>();
        share_S[t] = term_BL.slice(1, off, off + l).abs().sum().item<double>() / abs_total;
        off += l;
      }
    }
    // NaN/Inf guard: a bad loss, gradient or reward skips the update and never reaches a checkpoint.
    grad_norm = torch::nn::utils::clip_grad_norm_(policy_->parameters(), cfg_.get<double>("rl.grad_clip"));
    if (!std::isfinite(dp_->sum(rb.rewards_B.sum().item<double>()))) skipped = "non-finite reward";
    else if (!std::isfinite(loss_total)) skipped = "non-finite loss";
    else if (!std::isfinite(grad_norm)) skipped = "non-finite gradient";
    if (!skipped.empty()) {
      opt_->zero_grad();
      break;
    }
    opt_->step();
  }
  if (skipped.empty()) {
    bad_steps_ = 0;
    if (ema_) ema_update(ema_, policy_, cfg_.get<double>("rl.ema"));
  } else {
    ++bad_steps_;
    spdlog::warn("rl step {}: update skipped ({})", s, skipped);
  }
  policy_->eval();

  // 6. Metrics (TRL-like names).
  auto r = rb.rewards_B;
  nlohmann::json rec{{"step", s + 1},
                     {"reward/mean", r.mean().item<double>()},
                     {"reward/std", r.std().item<double>()},
                     {"frac_reward_zero_std", rb.frac_zero_std},
                     {"kl", kl_mean},
                     {"clip_ratio", clip_frac},
                     {"ratio/mean", ratio_mean0},
                     {"ratio/max_abs_dev", ratio_dev0},
                     {"grad_norm", grad_norm},
                     {"lr", lr},
                     {"update", std::string(1, phase_char(phase))},
                     {"skipped", skipped},
                     {"time/sample", t_rollout - rb.reward_seconds},
                     {"time/reward", rb.reward_seconds},
                     {"time/update", secs(t_start) - t_rollout},
                     {"mem/rss_mb", resident_memory_mb()}};  // flat over a long run = no leak (bench_rl)
  for (auto& [k, v] : rb.reward_parts) {
    double sum = 0;
    for (double x : v) sum += x;
    rec["reward/" + k] = v.empty() ? 0.0 : sum / v.size();
  }
  for (int t = 0; t < SN; ++t) {
    const std::string sfx = "/scale" + std::to_string(t);
    rec["entropy" + sfx] = entropy_S[t].item<double>();
    rec["kl" + sfx] = kl_S[t].item<double>();
    rec["loss_share" + sfx] = share_S[t].item<double>();
    rec["panw/weight" + sfx] = panw_S[t].item<double>();
    rec["mp/live" + sfx] = rb.mp_live_S[t];
  }
  if (ropt_.mp) rec["mp/no_boxes"] = rb.mp_no_boxes;
  if (rb.char_matched >= 0) rec["char/matched"] = rb.char_matched;
  rec.update(rec0);
  if (rb.values_P.defined()) {
    rec["vmr/value_mean"] = rb.values_P.mean().item<double>();
    rec["vmr/value_std"] = rb.values_P.std().item<double>();
  }
  reduce_metrics(rec, rb.rewards_B);
  if (metrics_) metrics_->write(rec);
  step_ = s + 1;
  if (bad_steps_ >= cfg_.get<int>("rl.max_bad_steps"))
    throw Error("rl: " + std::to_string(bad_steps_) + " consecutive steps had a non-finite loss, gradient or reward (" +
                skipped + "); stopping. Lower rl.lr or check the reward.");
  return rec;
}

void RLTrainer::reduce_metrics(nlohmann::json& rec, const torch::Tensor& rewards_B) {
  if (!dp_->active()) return;
  auto r = dp_->all_gather(rewards_B);
  std::vector<std::string> keys;
  std::vector<double> vals;
  for (auto& [k, v] : rec.items())
    if (v.is_number_float() && k != "lr" && k != "ratio/max_abs_dev")
      keys.push_back(k), vals.push_back(v.get<double>());
  auto t = torch::tensor(vals, torch::kDouble);
  dp_->all_reduce_sum(t);
  for (size_t i = 0; i < keys.size(); ++i) rec[keys[i]] = t[i].item<double>() / dp_->world_size();
  rec["reward/mean"] = r.mean().item<double>();
  rec["reward/std"] = r.std().item<double>();
  rec["ratio/max_abs_dev"] = dp_->max(rec["ratio/max_abs_dev"].get<double>());
}

void RLTrainer::save_checkpoint() {
  if (out_dir_.empty() || !dp_->is_main()) return;
  CheckpointWriter ckpt(out_dir_);  // one unit: all of these files or none (core/checkpoint.h)
  save_policy(ckpt.file("policy_raw.safetensors"), policy_);
  if (ema_) save_policy(ckpt.file("policy_ema.safetensors"), ema_);
  save_adamw(ckpt.file("rl_optim.safetensors"), *opt_);
  write_file_atomic(ckpt.file("rl_state.json"), nlohmann::json{{"step", step_}, {"bad_steps", bad_steps_}}.dump());
  ckpt.commit();
  save_policy(out_dir_ + "/policy.safetensors", ema_ ? ema_ : policy_);
}

nlohmann::json RLTrainer::evaluate_heldout(const std::string& tag, int n) {
  const auto seed = static_cast<uint64_t>(cfg_.get<int64_t>("rl.eval_seed"));
  EvalOptions opt;
  opt.seed = seed;
  opt.batch_size = cfg_.get<int>("sampler.batch_size");
  opt.label = "eval " + tag;
  auto prompts = heldout_prompts(cfg_, n, seed);
  // Word accuracy needs OCR words: a separate OCR reward when the training reward reads no text.
  if (!ocr_ && reward_->name().find("ocr") == std::string::npos) ocr_ = make_reward(cfg_, "ocr_ned");
  auto res = evaluate(policy_, vae_, *reward_, ocr_.get(), prompts, SamplingParams::from_config(cfg_), opt);
  auto j = res.to_json();
  j["step"] = step_;
  j["rewards"] = res.rewards_N;  // per image, for paired comparisons of two evaluations
  if (!out_dir_.empty()) {
    nlohmann::json all = fs::exists(out_dir_ + "/eval.json") ? read_json(out_dir_ + "/eval.json")
                                                             : nlohmann::json::object();
    // The change against "before" over the same prompts and noise, with its paired standard error.
    nlohmann::json delta;
    if (tag != "before" && all.contains("before") && all["before"].contains("rewards")) {
      auto d = paired_difference(all["before"]["rewards"].get<std::vector<double>>(), res.rewards_N);
      delta = {{"reward", d.mean}, {"reward_se", d.se}, {"images", d.n}};
    }
    if (tag != "during") all[tag] = j;
    if (tag == "after" && !delta.is_null()) all["delta"] = j["delta"] = delta;
    // The held-out curve: one point per evaluation (a resumed run replaces the points of steps it redoes).
    nlohmann::json point = {{"step", step_},          {"reward", res.reward}, {"reward_se", res.reward_se()},
                            {"word_accuracy", res.word_accuracy}, {"ned", res.ned}};
    if (!delta.is_null()) point["delta"] = delta["reward"], point["delta_se"] = delta["reward_se"];
    nlohmann::json curve = nlohmann::json::array();
    for (const auto& p : all.value("curve", nlohmann::json::array()))
      if (p.value("step", int64_t{-1}) < step_) curve.push_back(p);
    curve.push_back(point);
    all["curve"] = curve;
    write_file_atomic(out_dir_ + "/eval.json", all.dump(2));
    if (tag != "during") write_png(out_dir_ + "/eval_" + tag + ".png", eval_grid(res));
  }
  spdlog::info("rl eval {} (step {}): reward {:.4f}, word accuracy {:.4f}, NED {:.4f} over {} images", tag, step_,
               res.reward, res.word_accuracy, res.ned, res.images);
  return j;
}

void RLTrainer::write_samples() {
  if (out_dir_.empty()) return;
  torch::NoGradGuard ng;
  const auto seed = static_cast<uint64_t>(cfg_.get<int64_t>("rl.eval_seed"));
  auto prompts = heldout_prompts(cfg_, cfg_.get<int>("rl.sample_prompts"), seed + 1);
  const std::vector<uint64_t> seeds{seed, seed + 1, seed + 2, seed + 3};
  std::vector<GridRow> rows;
  auto params = SamplingParams::from_config(cfg_);
  for (const auto& p : prompts) {
    auto out = sample_prompt(policy_, vae_, p.prompt, params, seeds);
    rows.push_back({tensor_to_images(out.images_B3HW), p.texts.empty() ? p.prompt : p.texts[0]});
  }
  char name[64];
  std::snprintf(name, sizeof name, "/samples/step_%06lld.png", static_cast<long long>(step_));
  fs::create_directories(out_dir_ + "/samples");
  write_png(out_dir_ + name, make_grid(rows));
}

void RLTrainer::run() {
  const int64_t steps = cfg_.get<int64_t>("rl.steps"), every = cfg_.get<int64_t>("rl.ckpt_every");
  const int64_t sample_every = cfg_.get<int64_t>("rl.sample_every");
  const double max_seconds = 60.0 * cfg_.get<double>("rl.max_minutes");
  const bool eval = cfg_.get<int>("rl.eval_prompts") > 0;
  const int64_t eval_every = eval ? cfg_.get<int64_t>("rl.eval_every") : 0;
  // "before" is measured once per run: a resumed run keeps the one its first process wrote.
  const bool have_before = !out_dir_.empty() && fs::exists(out_dir_ + "/eval.json") &&
                           read_json(out_dir_ + "/eval.json").contains("before");
  // Evaluations and sample grids are rank 0's; the other ranks wait for it.
  const bool main = dp_->is_main();
  if (main && eval && !have_before) evaluate_heldout("before", cfg_.get<int>("rl.eval_prompts"));
  if (main && sample_every > 0 && step_ == 0) write_samples();
  dp_->barrier();
  g_stop = false, g_signal = 0;
  auto old_int = std::signal(SIGINT, on_signal), old_term = std::signal(SIGTERM, on_signal);
  const auto t0 = clk::now();
  bool out_of_time = false;
  std::unique_ptr<Progress> bar;
  if (main) bar = std::make_unique<Progress>("rl", steps), bar->set_time_limit(max_seconds), bar->update(step_);
  while (step_ < steps) {
    // Decided together: a signal or the time limit on any rank stops every rank after the same step.
    const bool stop = dp_->max(g_stop ? 1.0 : 0.0) > 0;
    out_of_time = dp_->max(max_seconds > 0 && secs(t0) >= max_seconds ? 1.0 : 0.0) > 0;
    if (stop || out_of_time) {
      g_stop = g_stop || stop;
      break;
    }
    auto rec = step(step_);
    char status[96];
    std::snprintf(status, sizeof status, "reward=%.3f kl=%.4f %s", rec["reward/mean"].get<double>(),
                  rec["kl"].get<double>(), rec["update"].get<std::string>().c_str());
    if (bar) bar->update(step_, status);
    if (every > 0 && step_ % every == 0) save_checkpoint();
    if (main && sample_every > 0 && step_ % sample_every == 0) write_samples();
    if (eval_every > 0 && step_ % eval_every == 0 && step_ < steps) {
      if (main) evaluate_heldout("during", cfg_.get<int>("rl.eval_prompts"));
      dp_->barrier();
    }
  }
  if (bar) bar->finish();
  save_checkpoint();
  std::signal(SIGINT, old_int);
  std::signal(SIGTERM, old_term);
  if (g_stop) spdlog::warn("rl: stopped by signal at step {}; resume with --resume {}", step_, out_dir_);
  if (out_of_time) spdlog::info("rl: rl.max_minutes reached at step {}", step_);
  if (main && sample_every > 0 && step_ % sample_every != 0) write_samples();
  if (main && eval && !g_stop) evaluate_heldout("after", cfg_.get<int>("rl.eval_prompts"));
  dp_->barrier();
}

}  // namespace varrl
