// `varrl rl --config configs/rl/<preset>.yaml --out RUN_DIR [--set k=v ...] [--resume RUN_DIR]`
// Data parallel when launched by `torchrun --no-python --nproc-per-node N build/varrl rl ...` or with
// RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT set: rank 0 writes RUN_DIR and prints the summary.
#include <spdlog/spdlog.h>

#include <filesystem>

#include "varrl/cli/commands.h"
#include "varrl/cli/common.h"
#include "varrl/core/error.h"
#include "varrl/core/metrics.h"
#include "varrl/dist/data_parallel.h"
#include "varrl/rl/trainer.h"
#include "varrl/tokenizer/tokenizer_io.h"

namespace varrl::cli {

namespace {
struct Args {
  CommonOptions common;
  std::string out, resume;
};
}  // namespace

void add_rl_command(CLI::App& app) {
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("rl", "GRPO fine-tuning of a VAR model with VMR, PANW and MP");
  add_common_options(cmd, a->common);
  cmd->add_option("--out", a->out, "run folder (metrics.jsonl, checkpoints; also a model folder for `sample`)");
  cmd->add_option("--resume", a->resume, "continue the run in this folder from its last checkpoint");
  cmd->callback([a] {
    namespace fs = std::filesystem;
    Config cfg;
    std::string out = a->out;
    if (!a->resume.empty()) {
      if (!out.empty() && fs::absolute(out) != fs::absolute(a->resume))
        throw Error("rl: --out and --resume name different folders");
      out = a->resume;
      if (!fs::exists(out + "/state/rl_state.json"))
        throw Error(out + ": no RL checkpoint to resume (state/rl_state.json)");
      Config saved = load_model_config(out);  // the run's full resolved config; --set may change e.g. rl.steps
      CommonOptions sets_only;
      sets_only.sets = a->common.sets, sets_only.threads = a->common.threads;
      cfg = resolve_config(sets_only, &saved);
    } else {
      if (out.empty()) throw Error("rl: --out RUN_DIR is required");
      if (fs::exists(out + "/state/rl_state.json"))
        throw Error(out + ": holds an RL run already; use --resume " + out + " or another --out");
      cfg = resolve_rl_config(a->common);
    }
    auto dp = std::make_shared<DataParallel>(DistEnv::from_environment());
    if (!dp->is_main()) spdlog::set_level(spdlog::level::warn);  // one log: rank 0's
    RLTrainer trainer(cfg, out, !a->resume.empty(), nullptr, dp);
    trainer.run();
    if (!dp->is_main()) return;
    auto recs = read_jsonl(out + "/metrics.jsonl");
    nlohmann::json summary{{"out", out}, {"steps", trainer.current_step()}, {"stopped_by_signal", rl_stop_requested()}};
    if (!recs.empty()) {
      summary["first_reward"] = recs.front().value("reward/mean", 0.0);
      summary["last_reward"] = recs.back().value("reward/mean", 0.0);
    }
    print_summary(summary);
    if (const int sig = rl_stop_signal()) throw ExitStatus{128 + sig, ""};  // stopped, not finished: 130 / 143
  });
}

}  // namespace varrl::cli
