#include "varrl/rl/trainer.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>

#include "varrl/core/atomic_file.h"
#include "varrl/core/checkpoint.h"
#include "varrl/core/choice.h"
#include "varrl/core/error.h"
#include "varrl/core/grid.h"
#include "varrl/core/lr_schedule.h"
#include "varrl/core/progress.h"
#include "varrl/core/rng.h"
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
#include "varrl/rl/rl_config_check.h"
#include "varrl/rl/step_metrics.h"
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
  policy_ = resume ? load_policy(out_dir_ + "/state", cfg_, "policy_raw.safetensors") : load_policy(base, cfg_);
  if (cfg_.get<double>("rl.kl_beta") > 0) ref_ = load_policy(base, cfg_);  // frozen reference = base weights
  if (dp_->active()) {
    if (cfg_.get<int>("rl.prompts_per_step") % dp_->world_size() != 0)
      throw Error("rl.prompts_per_step (" + std::to_string(cfg_.get<int>("rl.prompts_per_step")) +
                  ") must be a multiple of WORLD_SIZE (" + std::to_string(dp_->world_size()) + ")");
    if (AdvantageOptions::from_config(cfg_).norm == AdvNorm::Batch)
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
  const auto betas = cfg_.get<std::vector<double>>("rl.adam_betas");
  auto adamw = torch::optim::AdamWOptions(cfg_.get<double>("rl.lr")).betas({betas.at(0), betas.at(1)});
  adamw.weight_decay(cfg_.get<double>("rl.weight_decay"));
  opt_ = std::make_unique<torch::optim::AdamW>(trainable.trained, adamw);
  if (!reward_) reward_ = make_reward(cfg_);

  // Every option string is read here, into enums (a bad value is one error line before anything is written).
  ropt_.group_size = cfg_.get<int>("rl.group_size");
  ropt_.sampling = SamplingParams::from_config(cfg_, "rl.rollout");
  ropt_.vmr = VmrOptions::from_config(cfg_);
  ropt_.mp = cfg_.get<bool>("rl.mp.enabled");
  ropt_.mask = MaskOptions::from_config(cfg_);
  ropt_.batch_size = cfg_.get<int>("sampler.batch_size");
  vmr_layout(ropt_.vmr, ropt_.group_size, policy_->cfg.patch_nums);  // checks K, m and the group size
  adv_ = AdvantageOptions::from_config(cfg_);
  panw_ = PanwOptions::from_config(cfg_);
  uopt_.epochs = cfg_.get<int>("rl.inner_epochs");
  uopt_.micro_batch = cfg_.get<int>("rl.micro_batch");
  uopt_.grad_clip = cfg_.get<double>("rl.grad_clip");
  uopt_.loss = GrpoLossOptions::from_config(cfg_);
  const bool own_logprob = choice<bool>(cfg_, "rl.logprob", {{"policy", true}, {"sampling", false}});
  uopt_.logprob = own_logprob ? SamplingParams::plain() : ropt_.sampling;
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
  const int Q = cfg_.get<int>("rl.prompts_per_step");
  std::vector<PromptRecord> out;
  if (prompt_pool_.empty()) {
    auto opts = RenderOptions::from_config(cfg_);
    for (int i = 0; i < Q; ++i) out.push_back(render_sample(opts, derive_seed(seed_ + 77, s * Q + i), false).record);
  } else {
    const int64_t N = static_cast<int64_t>(prompt_pool_.size());
    for (int i = 0; i < Q; ++i) {
      const int64_t k = s * Q + i, epoch = k / N;
      // A seeded permutation per pass over the pool (63 bits: a torch generator seed).
      const uint64_t perm_seed = derive_seed(seed_, epoch) & 0x7FFFFFFFFFFFFFFFull;
      auto perm = torch::randperm(N, at::detail::createCPUGenerator(perm_seed), torch::kLong);
      out.push_back(prompt_pool_[perm[k % N].item<int64_t>()]);
    }
  }
  return out;
}

std::vector<PromptRecord> RLTrainer::my_share(const std::vector<PromptRecord>& all, int64_t& first) const {
  const int64_t share = static_cast<int64_t>(all.size()) / dp_->world_size();
  first = dp_->rank() * share;
  return {all.begin() + first, all.begin() + first + share};
}

nlohmann::json RLTrainer::step(int64_t s) {
  const auto t_start = clk::now();
  const auto& pn = policy_->cfg.patch_nums;
  const double lr = lr_at(s, cfg_.get<double>("rl.lr"), cfg_.get<int64_t>("rl.warmup_steps"),
                          cfg_.get<int64_t>("rl.steps"), 1.0);
  set_lr(*opt_, lr);

  // 1. Rollouts from π_old (the current weights) and their rewards; this rank samples its share of whole groups.
  int64_t first = 0;
  auto prompts = my_share(prompts_for_step(s), first);
  const RolloutBatch rb = collect_rollouts(policy_, vae_, *reward_, prompts, ropt_, derive_seed(seed_, s), first);
  const double t_rollout = secs(t_start);

  // 2. Advantages: GRPO's over each prompt's group, or VMR's prefix (V̂_m) and suffix advantages.
  const VmrLayout lay = vmr_layout(ropt_.vmr, ropt_.group_size, pn);
  const VmrAdvantages adv = vmr_advantages(ropt_.vmr, lay, rb.rewards_B, static_cast<int64_t>(prompts.size()), adv_);

  // 3. Token weights: the segment this step trains (VMR schedule) × PANW per scale × MP mask.
  const VmrPhase phase = vmr_phase(ropt_.vmr, s);
  const TrainSegment seg = train_segment(phase, lay, adv, pn);
  const auto panw_S = panw_scale_weights(pn, panw_, seg.active_S);
  UpdateBatch batch{rb.idx_BL, {}, seg.A_BL, per_token(panw_S, pn).view({1, -1}) * rb.mp.w_BL * seg.seg_BL};
  for (const auto& p : rb.prompts) batch.prompts.push_back(p.prompt);
  batch.denominator = dp_->sum(grpo_denominator(uopt_.loss.agg, batch.w_BL));  // additive over ranks: Σw, B or B·L
  batch.finite_rewards = std::isfinite(dp_->sum(rb.rewards_B.sum().item<double>()));

  // 4. The update: inner epochs of the clipped surrogate + KL to the reference.
  const UpdateStats up = update_policy(policy_, ref_, vae_, *opt_, *dp_, batch, uopt_);
  bad_steps_ = up.skipped.empty() ? 0 : bad_steps_ + 1;
  if (up.skipped.empty() && ema_) ema_update(ema_, policy_, cfg_.get<double>("rl.ema"));
  if (!up.skipped.empty()) spdlog::warn("rl step {}: update skipped ({})", s, up.skipped);

  // 5. Metrics.
  auto rec = step_record(s + 1, lr, phase, rb, adv, panw_S, up, ropt_.mp, {t_rollout, secs(t_start)});
  reduce_step_record(rec, *dp_, rb.rewards_B);
  if (metrics_) metrics_->write(rec);
  step_ = s + 1;
  if (bad_steps_ >= cfg_.get<int>("rl.max_bad_steps"))
    throw Error("rl: " + std::to_string(bad_steps_) + " consecutive steps had a non-finite loss, gradient or reward (" +
                up.skipped + "); stopping. Lower rl.lr or check the reward.");
  return rec;
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
