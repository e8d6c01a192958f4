// `varrl pretrain`: next-scale pretraining of the VAR policy on a rendered (or user) corpus.
#include <filesystem>

#include "varrl/cli/commands.h"
#include "varrl/cli/common.h"
#include "varrl/core/error.h"
#include "varrl/core/metrics.h"
#include "varrl/core/run_lock.h"
#include "varrl/core/progress.h"
#include "varrl/data/image_tensor.h"
#include "varrl/data/prompt_record.h"
#include "varrl/model/policy_io.h"
#include "varrl/model/pretrain.h"
#include "varrl/tokenizer/tokenizer_io.h"

namespace varrl::cli {

namespace {
struct Args {
  CommonOptions common;
  std::string tokenizer, data, out, init;
  bool resume = false;
};
}  // namespace

void add_pretrain_command(CLI::App& app) {
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("pretrain", "pretrain the VAR policy (next-scale cross-entropy) on a data folder");
  add_common_options(cmd, a->common);
  cmd->add_option("--tokenizer", a->tokenizer, "model folder holding the trained tokenizer (config.yaml + weights)");
  cmd->add_option("--data", a->data, "folder with prompts.jsonl + images (from `varrl render`)")->required();
  cmd->add_option("--out", a->out, "model folder to write (tokenizer copied in, policy.safetensors)")->required();
  cmd->add_flag("--resume", a->resume, "continue from the checkpoint in --out");
  cmd->add_option("--init", a->init,
                  "warm start: policy weights from this model folder (fresh optimizer and LR schedule; its tokenizer "
                  "unless --tokenizer)");
  cmd->callback([a] {
    namespace fs = std::filesystem;
    if (!a->init.empty() && a->resume) throw Error("pretrain: --init and --resume exclude each other");
    if (!a->init.empty() && a->tokenizer.empty()) a->tokenizer = a->init;
    const std::string tok_dir = a->resume ? a->out : a->tokenizer;
    if (tok_dir.empty()) throw Error("pretrain: --tokenizer is required (unless --resume)");
    Config base = load_model_config(a->init.empty() ? tok_dir : a->init);  // --init: its architecture and task
    Config cfg = resolve_config(a->common, &base);
    check_pretrain_config(cfg);
    torch::manual_seed(cfg.get<int64_t>("runtime.seed"));
    auto vae = load_tokenizer(tok_dir, cfg);
    fs::create_directories(a->out);
    lock_run_folder(a->out);  // before anything in it is written: one training process per folder
    if (!a->resume && fs::absolute(a->tokenizer) != fs::absolute(a->out))
      fs::copy_file(a->tokenizer + "/tokenizer.safetensors", a->out + "/tokenizer.safetensors",
                    fs::copy_options::overwrite_existing);
    save_model_config(a->out, cfg);

    const std::string file = fs::is_directory(a->data) ? a->data + "/prompts.jsonl" : a->data;
    auto rows = read_prompts(file);
    PretrainData data;
    std::vector<torch::Tensor> codes;
    Progress bar("encode", static_cast<long>(rows.size()));
    const int chunk = 256;
    for (size_t i = 0; i < rows.size(); i += chunk) {
      std::vector<Image> imgs;
      for (size_t j = i; j < std::min(rows.size(), i + chunk); ++j) {
        Image im = read_png(image_path(file, rows[j]));
        if (im.height != cfg.get<int>("data.image_height") || im.width != cfg.get<int>("data.image_width"))
          throw Error(image_path(file, rows[j]) + ": image size differs from data.image_width x data.image_height");
        imgs.push_back(std::move(im));
        data.prompts.push_back(rows[j].prompt);
      }
      codes.push_back(encode_images(vae, images_to_tensor(imgs)));
      bar.update(static_cast<long>(std::min(rows.size(), i + chunk)));
    }
    bar.finish();
    data.codes_NL = torch::cat(codes, 0);
    VAR var = a->init.empty() ? make_policy(cfg) : load_policy(a->init, cfg);
    const bool use_ema = cfg.get<double>("pretrain.ema") > 0;
    VAR ema = make_policy(cfg);
    copy_weights(ema, var);
    int64_t params = 0;
    for (auto& p : var->parameters()) params += p.numel();
    spdlog::info("pretrain: {} images, policy {:.2f}M parameters, L = {} tokens", rows.size(), params / 1e6,
                 var->cfg.L());
    auto res = pretrain(var, use_ema ? &ema : nullptr, vae, data, cfg, a->out, a->resume);
    print_summary({{"out", a->out}, {"steps", res.steps}, {"seconds", res.seconds}, {"first_loss", res.first_loss},
                   {"last_loss", res.last_loss},
                   {"text_gain", res.last_text_gain}, {"tokens_per_s", res.tokens_per_s}, {"params", params}});
  });
}

}  // namespace varrl::cli
