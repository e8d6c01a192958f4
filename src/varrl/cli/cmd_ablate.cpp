// `varrl ablate [--protocol ours|paper]`: the paper's ablations at our scale (rl/ablation_variants.h), each variant
// over several seeds at an equal number of updates (same steps x prompts x group size), every run evaluated on the
// same held-out prompts and noise; writes OUT/ablation.md, OUT/ablation.json and OUT/report.html (overlaid
// per-variant mean curves + the table). Runs start from configs/defaults.yaml (`ours`) or configs/rl/paper.yaml
// (`paper`, compiled in) and the variant's switches; the user's --config / --set come last. Finished runs are skipped
// and unfinished ones resumed, so an interrupted ablation continues where it stopped. With a prompts file as
// rl.prompts, --eval-rl-prompts N also scores every run (and the base model) on those prompts, N samples each: how
// far each variant climbed the reward it was trained on (the held-out columns say whether it transferred).
#include <chrono>
#include <filesystem>

#include "varrl/cli/commands.h"
#include "varrl/cli/common.h"
#include "varrl/core/atomic_file.h"
#include "varrl/core/error.h"
#include "varrl/core/metrics.h"
#include "varrl/data/prompt_record.h"
#include "varrl/report/ablation_summary.h"
#include "varrl/report/html_report.h"
#include "varrl/rl/ablation_variants.h"
#include "varrl/rl/evaluate.h"
#include "varrl/rl/rl_config_check.h"
#include "varrl/rl/trainer.h"
#include "varrl/tokenizer/tokenizer_io.h"

namespace varrl::cli {

namespace {
struct Args {
  CommonOptions common;
  std::string out = "runs/ablate", variants = "every", protocol = "ours";
  int seeds = 3, first_seed = 0, steps = 30, eval_prompts = 50, eval_rl_prompts = 0;
  double level = -1;
};

std::string rl_prompts_file(const Config& cfg) {
  const auto path = cfg.get<std::string>("rl.prompts");
  if (path.empty()) throw Error("ablate: --eval-rl-prompts needs a prompts file as rl.prompts (--set rl.prompts=FILE)");
  return path;
}

// The model folder `dir` on the RL prompts file of `cfg` (rl.prompts), n samples per prompt from rl.eval_seed.
nlohmann::json evaluate_on_rl_prompts(const std::string& dir, const Config& cfg, int n) {
  const auto path = rl_prompts_file(cfg);
  EvalOptions opt;
  opt.samples_per_prompt = n;
  opt.seed = static_cast<uint64_t>(cfg.get<int64_t>("rl.eval_seed"));
  opt.batch_size = cfg.get<int>("sampler.batch_size");
  opt.label = "eval rl prompts";
  const auto res = evaluate_model_folder(dir, cfg, read_prompts(path), opt);
  auto j = res.to_json();
  j["prompts_file"] = path;
  return j;
}

}  // namespace

void add_ablate_command(CLI::App& app) {
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("ablate", "run the GRPO / +PANW / +VMR / +MP / all ablation matrix over seeds");
  add_common_options(cmd, a->common);
  cmd->add_option("--out", a->out, "folder of the ablation (one run folder per variant and seed)")
      ->capture_default_str();
  cmd->add_option("--seeds", a->seeds, "seeds per variant")->capture_default_str()->check(positive());
  cmd->add_option("--first-seed", a->first_seed,
                  "seeds first-seed ... first-seed + seeds - 1 (to share one matrix between processes or machines)")
      ->capture_default_str()
      ->check(non_negative());
  cmd->add_option("--steps", a->steps, "RL steps per run (equal image budget: steps x prompts_per_step x group_size)")
      ->capture_default_str()
      ->check(positive());
  cmd->add_option("--protocol", a->protocol,
                  "ours: GRPO / +PANW / +VMR / +MP / all over the defaults; paper: the paper's ablation rows over "
                  "configs/rl/paper.yaml")
      ->capture_default_str()
      ->check(CLI::IsMember({"ours", "paper"}));
  cmd->add_option("--variants", a->variants,
                  "comma list of variants (all = the variant with VMR + PANW + MP), or every")
      ->capture_default_str();
  cmd->add_option("--eval-prompts", a->eval_prompts, "held-out prompts evaluated after each run")
      ->capture_default_str()
      ->check(non_negative());
  cmd->add_option("--eval-rl-prompts", a->eval_rl_prompts,
                  "also evaluate each run and the base on the rl.prompts file, this many samples per prompt (0 = off)")
      ->capture_default_str()
      ->check(non_negative());
  cmd->add_option("--level", a->level, "training-reward level for 'steps to level' (default: first-step mean + 0.1)");
  cmd->callback([a] {
    namespace fs = std::filesystem;
    const auto protocol = a->protocol == "paper" ? AblationProtocol::Paper : AblationProtocol::Ours;
    const auto variants = pick_ablation_variants(a->variants, protocol);
    auto run_config = [&](const AblationVariant& v, int seed) {
      CommonOptions o = a->common;
      if (protocol == AblationProtocol::Paper) o.config_texts.push_back(kPaperRlYaml);
      std::vector<std::string> sets = v.sets;
      sets.insert(sets.end(), {"runtime.seed=" + std::to_string(seed), "rl.steps=" + std::to_string(a->steps),
                               "rl.eval_prompts=0", "rl.max_minutes=0"});
      sets.insert(sets.end(), a->common.sets.begin(), a->common.sets.end());
      o.sets = sets;
      return resolve_rl_config(o);
    };
    for (const auto& v : variants) check_rl_config(run_config(v, 0));  // a bad value stops before any training
    if (a->eval_rl_prompts > 0) rl_prompts_file(run_config(variants.front(), 0));
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<AblationRun> runs;
    nlohmann::json base_eval;
    std::vector<std::string> run_dirs;
    for (const auto& v : variants)
      for (int seed = a->first_seed; seed < a->first_seed + a->seeds; ++seed) {
        const std::string dir = a->out + "/" + v.name + "-s" + std::to_string(seed);
        run_dirs.push_back(dir);
        const bool done = fs::exists(dir + "/eval.json") &&
                          read_json(dir + "/eval.json").contains("after");
        if (!done) {
          const bool resume = fs::exists(dir + "/state/rl_state.json");
          const Config cfg = resume ? load_model_config(dir) : run_config(v, seed);
          spdlog::info("ablate: {} seed {} → {}{}", v.name, seed, dir, resume ? " (resuming)" : "");
          RLTrainer trainer(cfg, dir, resume);
          const std::string base_file = a->out + "/base_eval.json";
          if (!fs::exists(base_file) && trainer.current_step() == 0)  // with per-image rewards for paired changes
            write_file_atomic(base_file, trainer.evaluate_heldout("before", a->eval_prompts).dump(2));
          trainer.run();
          if (rl_stop_requested())
            throw ExitStatus{128 + rl_stop_signal(), "ablate: stopped by a signal; run the same command again to continue"};
          trainer.evaluate_heldout("after", a->eval_prompts);
        }
        AblationRun r;
        r.variant = v.name, r.seed = seed;
        r.metrics = read_jsonl(dir + "/metrics.jsonl");
        auto eval = read_json(dir + "/eval.json");
        if (a->eval_rl_prompts > 0 && !eval.contains("rl_prompts")) {  // also for runs finished without the option
          eval["rl_prompts"] = evaluate_on_rl_prompts(dir, load_model_config(dir), a->eval_rl_prompts);
          write_file_atomic(dir + "/eval.json", eval.dump(2));
        }
        r.eval = eval.at("after");
        r.rl_prompts_eval = eval.value("rl_prompts", nlohmann::json());
        runs.push_back(std::move(r));
      }
    if (fs::exists(a->out + "/base_eval.json")) base_eval = read_json(a->out + "/base_eval.json");
    // Each run's held-out change against the base over the same images (paired), where both kept per-image rewards.
    for (auto& r : runs)
      if (base_eval.contains("rewards") && r.eval.contains("rewards") &&
          base_eval["rewards"].size() == r.eval["rewards"].size()) {
        const auto d = paired_difference(base_eval["rewards"].get<std::vector<double>>(),
                                         r.eval["rewards"].get<std::vector<double>>());
        r.change_vs_base = d.mean;
      }
    nlohmann::json base_rl_prompts;
    const std::string base_rl_file = a->out + "/base_eval_rl_prompts.json";
    if (a->eval_rl_prompts > 0 && !fs::exists(base_rl_file)) {
      const auto first_cfg = load_model_config(run_dirs.front());  // the base and RL prompts every run started from
      write_file_atomic(base_rl_file, evaluate_on_rl_prompts(first_cfg.get<std::string>("rl.base"), first_cfg,
                                                             a->eval_rl_prompts).dump(2));
    }
    if (fs::exists(base_rl_file)) base_rl_prompts = read_json(base_rl_file);
    double level = a->level;
    if (level < 0) {
      std::vector<double> first;
      for (const auto& r : runs)
        if (!r.metrics.empty()) first.push_back(r.metrics.front().value("reward/mean", 0.0));
      level = mean_std(first).mean + 0.1;
    }
    auto rows = summarize_ablation(runs, level);
    // Per-variant mean curves, as run folders of their own, so the report overlays one line per variant.
    std::vector<std::string> curve_dirs;
    for (const auto& v : variants) {
      std::vector<std::vector<nlohmann::json>> per_seed;
      for (const auto& r : runs)
        if (r.variant == v.name) per_seed.push_back(r.metrics);
      const std::string d = a->out + "/curves/" + v.name;
      fs::create_directories(d);
      std::string text;
      for (const auto& rec : mean_curve(per_seed, {"reward/mean", "reward/std", "kl", "clip_ratio", "grad_norm",
                                                   "ratio/mean", "frac_reward_zero_std"}))
        text += rec.dump() + "\n";
      write_file_atomic(d + "/metrics.jsonl", text);
      curve_dirs.push_back(d);
    }
    const double minutes = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / 60;
    const std::string md = ablation_markdown(rows, level, base_eval, base_rl_prompts);
    write_file_atomic(a->out + "/ablation.md", md);
    nlohmann::json table = nlohmann::json::array();
    for (const auto& cells : ablation_cells(rows)) table.push_back(cells);
    write_file_atomic(a->out + "/ablation.json",
                      nlohmann::json{{"header", ablation_header()}, {"rows", table}, {"level", level},
                                     {"base", base_eval}, {"base_rl_prompts", base_rl_prompts},
                                     {"steps", a->steps}, {"seeds", a->seeds},
                                     {"minutes_this_process", minutes}}
                          .dump(2));
    ReportOptions ropt;
    ropt.title = "varrl ablation: GRPO, +PANW, +VMR, +MP, all (mean over seeds)";
    ropt.table_header = ablation_header();
    ropt.table_rows = ablation_cells(rows);
    write_report(curve_dirs, a->out + "/report.html", ropt);
    std::fputs(md.c_str(), stderr);
    nlohmann::json summary{{"out", a->out}, {"runs", runs.size()}, {"report", a->out + "/report.html"},
                           {"table", a->out + "/ablation.md"}, {"minutes", minutes}};
    for (const auto& r : rows) summary["word_accuracy." + r.variant] = r.word_accuracy.mean;
    print_summary(summary);
  });
}

}  // namespace varrl::cli
