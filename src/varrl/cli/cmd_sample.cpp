// `varrl sample`: draw images from a model folder and write a PNG grid (one row per prompt, caption under it).
#include <sstream>

#include "varrl/cli/commands.h"
#include "varrl/cli/common.h"
#include "varrl/core/error.h"
#include "varrl/core/grid.h"
#include "varrl/core/metrics.h"
#include "varrl/data/image_tensor.h"
#include "varrl/data/prompt_record.h"
#include "varrl/model/policy_io.h"
#include "varrl/rl/evaluate.h"
#include "varrl/sampler/sampler.h"
#include "varrl/tokenizer/tokenizer_io.h"

namespace varrl::cli {

namespace {
struct Args {
  CommonOptions common;
  std::string ckpt, prompt, prompts, classes, out;
  int n = 8, limit = 8;
  int64_t seed = 0;
};
}  // namespace

void add_sample_command(CLI::App& app) {
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("sample", "sample images from a model folder into a PNG grid");
  add_common_options(cmd, a->common);
  cmd->add_option("--ckpt", a->ckpt, "model folder (config.yaml, tokenizer.safetensors, policy.safetensors)")
      ->required();
  cmd->add_option("--prompt", a->prompt, "one prompt");
  cmd->add_option("--prompts", a->prompts, "a prompts file (.jsonl or one prompt per line)");
  cmd->add_option("--class", a->classes, "class ids, comma-separated (a class model: model.cond=class)");
  cmd->add_option("--limit", a->limit, "with --prompts: use the first N prompts")->check(positive());
  cmd->add_option("--n", a->n, "samples per prompt")->check(positive());
  cmd->add_option("--seed", a->seed, "seed (sample j of prompt i uses seed + 1000 i + j)");
  cmd->add_option("--out", a->out, "PNG grid to write")->required();
  cmd->callback([a] {
    Config base = load_model_config(a->ckpt);
    Config cfg = resolve_config(a->common, &base);
    std::vector<std::string> prompts;
    if (!a->prompt.empty()) prompts.push_back(a->prompt);
    if (!a->prompts.empty())
      for (auto& r : read_prompts(a->prompts))
        if (static_cast<int>(prompts.size()) < a->limit) prompts.push_back(r.prompt);
    std::stringstream class_list(a->classes);  // a class model reads prompt "207" as class 207 (class_prompts.h)
    for (std::string id; std::getline(class_list, id, ',');) prompts.push_back(id);
    if (prompts.empty()) throw Error("sample: give --prompt, --prompts or --class");
    auto vae = load_tokenizer(a->ckpt, cfg);
    auto var = load_policy(a->ckpt, cfg);
    auto params = SamplingParams::from_config(cfg);
    std::vector<GridRow> rows;
    torch::NoGradGuard ng;
    for (size_t i = 0; i < prompts.size(); ++i) {
      std::vector<uint64_t> seeds;
      for (int j = 0; j < a->n; ++j) seeds.push_back(prompt_sample_seed(static_cast<uint64_t>(a->seed), i, j));
      auto out = sample_prompt(var, vae, prompts[i], params, seeds, {}, cfg.get<int>("sampler.batch_size"));
      rows.push_back({tensor_to_images(out.images_B3HW), (a->classes.empty() ? "" : "class ") + prompts[i]});
    }
    write_png(a->out, make_grid(rows));
    print_summary({{"out", a->out}, {"prompts", prompts.size()}, {"n", a->n}});
  });
}

}  // namespace varrl::cli
