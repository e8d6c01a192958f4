#include "varrl/cli/commands.h"

namespace varrl::cli {
void add_tokenizer_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("tokenizer", "train / evaluate the multi-scale residual VQ tokenizer");
  cmd->require_subcommand(1);
}
}  // namespace varrl::cli
