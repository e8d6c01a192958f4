// varrl — RL fine-tuning of visual autoregressive (next-scale) text-to-image models. Entry point of `build/varrl`.
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>

#include "varrl/cli/commands.h"
#include "varrl/core/error.h"
#include "varrl/core/exit_cleanup.h"

int main(int argc, char** argv) {
  // Logs go to stderr; stdout carries only results (JSON summaries), so scripts can parse it.
  spdlog::set_default_logger(spdlog::stderr_color_mt("varrl"));
  spdlog::set_pattern("[%H:%M:%S] %^%l%$ %v");

  // A signal that ends the program first kills the helper processes it started and removes their temp folders.
  varrl::install_exit_cleanup_handlers();

  CLI::App app{"varrl: GRPO + VMR/PANW/MP for visual autoregressive text-to-image models"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "help for every subcommand");
  varrl::cli::add_tokenizer_command(app);
  varrl::cli::add_pretrain_command(app);
  varrl::cli::add_sample_command(app);
  varrl::cli::add_rl_command(app);
  varrl::cli::add_eval_command(app);
  varrl::cli::add_demo_command(app);
  varrl::cli::add_ablate_command(app);
  varrl::cli::add_report_command(app);
  varrl::cli::add_render_command(app);
  varrl::cli::add_reward_command(app);
  varrl::cli::add_ocr_worker_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const varrl::ExitStatus& e) {
    if (!e.message.empty()) std::fprintf(stderr, "varrl: %s\n", varrl::cap_line(e.message).c_str());
    return e.code;
  } catch (const varrl::Error& e) {
    std::fprintf(stderr, "varrl: error: %s\n", varrl::cap_line(e.what()).c_str());
    return 1;
  } catch (const c10::Error& e) {
    std::fprintf(stderr, "varrl: error: %s\n", varrl::cap_line(e.what_without_backtrace()).c_str());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "varrl: error: %s\n", varrl::cap_line(e.what()).c_str());
    return 1;
  }
  return 0;
}
