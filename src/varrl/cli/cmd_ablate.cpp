// `varrl ablate`: the paper's ablations at our scale. Runs vanilla GRPO, +PANW (alpha 0.6, 1.0), +VMR (m 4 and 6,
// K 1 and 2), +MP and all three, each over several seeds under an equal budget of sampled images (same steps x
// prompts x group size), evaluates every run on the same held-out prompts and noise, and writes OUT/ablation.md,
// OUT/ablation.json and OUT/report.html (overlaid per-variant mean curves + the table). Every run starts from the RL
// preset (rl/preset.h, as `varrl demo` does) and the variant's switches. Finished runs are skipped
// and unfinished ones resumed, so an interrupted ablation continues where it stopped.
#include <chrono>
#include <filesystem>

#include "varrl/cli/commands.h"
#include "varrl/cli/common.h"
#include "varrl/core/atomic_file.h"
#include "varrl/core/error.h"
#include "varrl/core/metrics.h"
#include "varrl/report/ablation_summary.h"
#include "varrl/report/html_report.h"
#include "varrl/rl/ablation_variants.h"
#include "varrl/rl/preset.h"
#include "varrl/rl/trainer.h"
#include "varrl/tokenizer/tokenizer_io.h"

namespace varrl::cli {

namespace {
struct Args {
  CommonOptions common;
  std::string out = "runs/ablate", variants = "every";
  int seeds = 3, steps = 30, eval_prompts = 50;
  double level = -1;
};

}  // namespace

void add_ablate_command(CLI::App& app) {
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("ablate", "run the GRPO / +PANW / +VMR / +MP / all ablation matrix over seeds");
  add_common_options(cmd, a->common);
  cmd->add_option("--out", a->out, "folder of the ablation (one run folder per variant and seed)")->capture_default_str();
  cmd->add_option("--seeds", a->seeds, "seeds per variant")->capture_default_str();
  cmd->add_option("--steps", a->steps, "RL steps per run (equal image budget: steps x prompts_per_step x group_size)")
      ->capture_default_str();
  cmd->add_option("--variants", a->variants,
                  "comma list of variants (all = the variant with VMR + PANW + MP), or every")
      ->capture_default_str();
  cmd->add_option("--eval-prompts", a->eval_prompts, "held-out prompts evaluated after each run")->capture_default_str();
  cmd->add_option("--level", a->level, "training-reward level for 'steps to level' (default: first-step mean + 0.1)");
  cmd->callback([a] {
    namespace fs = std::filesystem;
    const auto variants = pick_ablation_variants(a->variants);
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<AblationRun> runs;
    nlohmann::json base_eval;
    std::vector<std::string> run_dirs;
    for (const auto& v : variants)
      for (int seed = 0; seed < a->seeds; ++seed) {
        const std::string dir = a->out + "/" + v.name + "-s" + std::to_string(seed);
        run_dirs.push_back(dir);
        const bool done = fs::exists(dir + "/eval.json") &&
                          nlohmann::json::parse(read_file(dir + "/eval.json")).contains("after");
        if (!done) {
          const bool resume = fs::exists(dir + "/state/rl_state.json");
          Config cfg;
          if (resume) {
            cfg = load_model_config(dir);
          } else {
            CommonOptions o = a->common;
            std::vector<std::string> sets = rl_preset();  // the measured preset, then the variant's switches
            sets.insert(sets.end(), v.sets.begin(), v.sets.end());
            sets.insert(sets.end(), {"runtime.seed=" + std::to_string(seed), "rl.steps=" + std::to_string(a->steps),
                                     "rl.eval_prompts=0", "rl.max_minutes=0"});
            sets.insert(sets.end(), a->common.sets.begin(), a->common.sets.end());
            o.sets = sets;
            cfg = resolve_rl_config(o);
          }
          spdlog::info("ablate: {} seed {} → {}{}", v.name, seed, dir, resume ? " (resuming)" : "");
          RLTrainer trainer(cfg, dir, resume);
          const std::string base_file = a->out + "/base_eval.json";
          if (!fs::exists(base_file) && trainer.current_step() == 0)
            write_file_atomic(base_file, trainer.evaluate_heldout("before", a->eval_prompts).dump(2));
          trainer.run();
          if (rl_stop_requested()) throw Error("ablate: stopped by a signal; run the same command again to continue");
          trainer.evaluate_heldout("after", a->eval_prompts);
        }
        AblationRun r;
        r.variant = v.name, r.seed = seed;
        r.metrics = read_jsonl(dir + "/metrics.jsonl");
        r.eval = nlohmann::json::parse(read_file(dir + "/eval.json")).at("after");
        runs.push_back(std::move(r));
      }
    if (fs::exists(a->out + "/base_eval.json")) base_eval = nlohmann::json::parse(read_file(a->out + "/base_eval.json"));
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
    write_file_atomic(a->out + "/ablation.md", ablation_markdown(rows, level, base_eval));
    nlohmann::json table = nlohmann::json::array();
    for (const auto& cells : ablation_cells(rows)) table.push_back(cells);
    write_file_atomic(a->out + "/ablation.json",
                      nlohmann::json{{"header", ablation_header()}, {"rows", table}, {"level", level},
                                     {"base", base_eval}, {"steps", a->steps}, {"seeds", a->seeds},
                                     {"minutes_this_process", minutes}}
                          .dump(2));
    ReportOptions ropt;
    ropt.title = "varrl ablation: GRPO, +PANW, +VMR, +MP, all (mean over seeds)";
    ropt.table_header = ablation_header();
    ropt.table_rows = ablation_cells(rows);
    write_report(curve_dirs, a->out + "/report.html", ropt);
    std::fputs(ablation_markdown(rows, level, base_eval).c_str(), stderr);
    nlohmann::json summary{{"out", a->out}, {"runs", runs.size()}, {"report", a->out + "/report.html"},
                           {"table", a->out + "/ablation.md"}, {"minutes", minutes}};
    for (const auto& r : rows) summary["word_accuracy." + r.variant] = r.word_accuracy.mean;
    print_summary(summary);
  });
}

}  // namespace varrl::cli
