// Options shared by every subcommand: --config FILE (repeatable), --set key=value (repeatable), --threads N.
#pragma once
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "varrl/core/config.h"

namespace varrl::cli {

struct CommonOptions {
  std::vector<std::string> config_texts;  // YAML merged before the files (a command's built-in preset)
  std::vector<std::string> config_files;
  std::vector<std::string> sets;
  int threads = -1;  // -1 = take runtime.threads from the config
};

void add_common_options(CLI::App* cmd, CommonOptions& opts);
// Option checks for counts and durations: a given value must be a number > 0 (`positive`) or >= 0 (`non_negative`);
// otherwise CLI11 stops with one line such as "--n: must be > 0, got 0" (CLI::PositiveNumber prints the type's range).
CLI::Validator positive();
CLI::Validator non_negative();
// Defaults ← base (e.g. a model's saved config) ← config_texts ← --config files ← --set; then init_runtime().
Config resolve_config(const CommonOptions& opts, const Config* base = nullptr);
// The config of a new RL run: defaults ← the base model's saved config but its rl section (rl.base, itself read from
// the --config files and --set) ← config_texts ← --config files ← --set.
Config resolve_rl_config(const CommonOptions& opts);

}  // namespace varrl::cli
