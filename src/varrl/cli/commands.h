// Every subcommand registers itself here; one file per command under src/varrl/cli/.
#pragma once
#include <CLI/CLI.hpp>

#include <functional>

namespace varrl::cli {

// Adds the subcommand to `app`; the returned callback (set via sub->callback) does the work.
void add_tokenizer_command(CLI::App& app);
void add_pretrain_command(CLI::App& app);
void add_sample_command(CLI::App& app);
void add_rl_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_demo_command(CLI::App& app);          // cmd_demo.cpp
void add_ablate_command(CLI::App& app);        // cmd_ablate.cpp
void add_report_command(CLI::App& app);        // cmd_report.cpp
void add_render_command(CLI::App& app);        // cmd_render.cpp
void add_reward_command(CLI::App& app);        // cmd_reward.cpp
void add_ocr_worker_command(CLI::App& app);    // cmd_ocr_worker.cpp (hidden)

}  // namespace varrl::cli
