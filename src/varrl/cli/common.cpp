#include "varrl/cli/common.h"

#include <filesystem>

#include "varrl/core/runtime.h"
#include "varrl/rl/rl_config_check.h"
#include "varrl/tokenizer/tokenizer_io.h"

namespace varrl::cli {

static CLI::Validator lower_bound(bool strict) {
  const std::string rule = strict ? "> 0" : ">= 0";
  return CLI::Validator(
      [strict, rule](std::string& s) -> std::string {
        size_t used = 0;
        double v = 0;
        try {
          v = std::stod(s, &used);
        } catch (const std::exception&) {
        }
        if (used == 0 || used != s.size()) return "expects a number, got '" + s + "'";
        return (strict ? v > 0 : v >= 0) ? "" : "must be " + rule + ", got " + s;
      },
      rule);
}
CLI::Validator positive() { return lower_bound(true); }
CLI::Validator non_negative() { return lower_bound(false); }

void add_common_options(CLI::App* cmd, CommonOptions& o) {
  cmd->add_option("--config", o.config_files, "YAML config file(s) merged over the defaults");
  cmd->add_option("--set", o.sets, "override one key: --set section.key=value (repeatable)");
  cmd->add_option("--threads", o.threads, "LibTorch threads (default: runtime.threads, 0 = all cores)")
      ->check(non_negative());
}

Config resolve_config(const CommonOptions& o, const Config* base) {
  Config cfg = base ? *base : Config::defaults();
  for (const auto& t : o.config_texts) cfg.merge_yaml_text(t, "built-in preset");
  for (const auto& f : o.config_files) cfg.merge_file(f);
  for (const auto& s : o.sets) cfg.set(s);
  int threads = o.threads >= 0 ? o.threads : cfg.get<int>("runtime.threads");
  init_runtime(threads, cfg.get<std::string>("runtime.device"));
  return cfg;
}

Config resolve_rl_config(const CommonOptions& o) {
  Config probe = Config::defaults();
  for (const auto& t : o.config_texts) probe.merge_yaml_text(t, "built-in preset");
  for (const auto& f : o.config_files) probe.merge_file(f);
  for (const auto& s : o.sets) probe.set(s);
  Config base = rl_base_config(probe.get<std::string>("rl.base"));
  Config cfg = resolve_config(o, &base);
  // The run's config.yaml keeps these paths, and a resume re-reads them (the KL reference, the prompt pool) from
  // whatever directory it is started in: stored absolute, a relative path given here still means the same file.
  for (const char* key : {"base", "prompts"}) {
    const auto path = cfg.get<std::string>(std::string("rl.") + key);
    if (!path.empty()) cfg.root()["rl"][key] = std::filesystem::absolute(path).lexically_normal().string();
  }
  return cfg;
}

}  // namespace varrl::cli
