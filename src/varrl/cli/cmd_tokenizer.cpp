// `varrl tokenizer train|eval`: the multi-scale residual VQ tokenizer.
#include <filesystem>

#include "varrl/cli/commands.h"
#include "varrl/cli/common.h"
#include "varrl/core/atomic_file.h"
#include "varrl/core/error.h"
#include "varrl/core/metrics.h"
#include "varrl/core/run_lock.h"
#include "varrl/data/image_tensor.h"
#include "varrl/data/prompt_record.h"
#include "varrl/reward/reward.h"
#include "varrl/tokenizer/tokenizer_io.h"
#include "varrl/tokenizer/tokenizer_trainer.h"

namespace varrl::cli {

namespace {

// All images of DIR/prompts.jsonl (or a .jsonl path) as a uint8 N × 3 × H × W tensor.
torch::Tensor load_dataset_u8(const std::string& data, const Config& cfg, int limit) {
  std::string file = std::filesystem::is_directory(data) ? data + "/prompts.jsonl" : data;
  auto imgs = load_prompt_images(file, cfg.get<int>("data.image_height"), cfg.get<int>("data.image_width"), limit);
  auto t = images_to_tensor(imgs);  // float [-1, 1]
  return t.add(1).mul(127.5).round().to(torch::kUInt8);
}

torch::Tensor to_float(const torch::Tensor& u8) { return u8.to(torch::kFloat32).div(127.5).sub(1.0); }

struct TrainArgs {
  CommonOptions common;
  std::string out, data, init;
  bool resume = false;
};
struct EvalArgs {
  CommonOptions common;
  std::string ckpt, data, per_image;
  int limit = -1;
  bool no_ocr = false;
};

}  // namespace

void add_tokenizer_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("tokenizer", "train / evaluate the multi-scale residual VQ tokenizer");
  cmd->require_subcommand(1);

  auto targs = std::make_shared<TrainArgs>();
  auto* train = cmd->add_subcommand("train", "train the tokenizer on rendered (or user) images");
  add_common_options(train, targs->common);
  train->add_option("--out", targs->out, "model folder to write (config.yaml, tokenizer.safetensors)")->required();
  train->add_option("--data", targs->data, "folder with prompts.jsonl + images (from `varrl render`)")->required();
  train->add_flag("--resume", targs->resume, "continue from the checkpoint in --out");
  train->add_option("--init", targs->init,
                    "warm start: weights and architecture from this model folder (fresh optimizer and LR schedule)");
  train->callback([targs] {
    if (!targs->init.empty() && targs->resume) throw Error("tokenizer train: --init and --resume exclude each other");
    Config cfg = targs->resume ? resolve_config(targs->common, nullptr) : resolve_config(targs->common);
    if (!targs->init.empty()) {
      Config base = load_model_config(targs->init);  // its architecture and data size
      cfg = resolve_config(targs->common, &base);
    }
    if (targs->resume) {
      Config saved = load_model_config(targs->out);
      for (const auto& s : targs->common.sets) saved.set(s);
      cfg = saved;
    }
    check_tokenizer_train_config(cfg);
    torch::manual_seed(cfg.get<int64_t>("runtime.seed"));
    auto data_u8 = load_dataset_u8(targs->data, cfg, -1);
    const int64_t N = data_u8.size(0), B = cfg.get<int64_t>("tokenizer_train.batch_size");
    const int64_t seed = cfg.get<int64_t>("runtime.seed");
    spdlog::info("tokenizer train: {} images from {}", N, targs->data);
    BatchSource batches = [&](int64_t step) {
      auto g = at::detail::createCPUGenerator(seed * 1000003 + step);
      auto idx = torch::randint(N, {B}, g, torch::kLong);
      return to_float(data_u8.index_select(0, idx));
    };
    VQVAE vae = targs->init.empty() ? VQVAE(TokenizerConfig::from_config(cfg)) : load_tokenizer(targs->init, cfg);
    std::filesystem::create_directories(targs->out);
    lock_run_folder(targs->out);  // before anything in it is written: one training process per folder
    auto res = train_tokenizer(vae, cfg, batches, targs->out, targs->resume);
    print_summary({{"out", targs->out}, {"steps", res.steps}, {"seconds", res.seconds},
                   {"first_loss", res.first_loss}, {"last_loss", res.last_loss}});
  });

  auto eargs = std::make_shared<EvalArgs>();
  auto* eval = cmd->add_subcommand("eval", "reconstruction PSNR and per-scale codebook usage on a data folder");
  add_common_options(eval, eargs->common);
  eval->add_option("--ckpt", eargs->ckpt, "model folder")->required();
  eval->add_option("--data", eargs->data, "folder with prompts.jsonl + images")->required();
  eval->add_option("--limit", eargs->limit, "evaluate at most this many images")->check(positive());
  eval->add_flag("--no-ocr", eargs->no_ocr, "skip the OCR legibility of reconstructions");
  eval->add_option("--per-image", eargs->per_image,
                   "also write FILE.jsonl: one line per image (text, what OCR read in the original and in the "
                   "reconstruction, both rewards)")
      ->excludes("--no-ocr");
  eval->callback([eargs] {
    Config base = load_model_config(eargs->ckpt);
    Config cfg = resolve_config(eargs->common, &base);
    auto vae = load_tokenizer(eargs->ckpt, cfg);
    auto data = to_float(load_dataset_u8(eargs->data, cfg, eargs->limit));
    auto summary = evaluate_tokenizer(vae, data);
    summary["ckpt"] = eargs->ckpt;
    if (!eargs->no_ocr) {
      // Legibility: the OCR reward (ocr_ned) of reconstructions next to that of the originals.
      std::string file = std::filesystem::is_directory(eargs->data) ? eargs->data + "/prompts.jsonl" : eargs->data;
      auto rows = read_prompts(file);
      rows.resize(static_cast<size_t>(data.size(0)));
      std::vector<Image> rec;
      {
        torch::NoGradGuard ng;
        for (int64_t i = 0; i < data.size(0); i += 32) {
          auto x = data.slice(0, i, std::min(data.size(0), i + 32));
          for (auto& im : tensor_to_images(vae->idxBl_to_img(vae->img_to_idxBl(x)))) rec.push_back(std::move(im));
        }
      }
      auto reward = make_reward(cfg, "ocr_ned");
      const auto orig_N = reward->score(tensor_to_images(data), rows), recon_N = reward->score(rec, rows);
      auto mean = [](const std::vector<RewardResult>& results) {
        double s = 0;
        for (auto& r : results) s += r.reward;
        return s / static_cast<double>(results.size());
      };
      const double orig = mean(orig_N), recon = mean(recon_N);
      if (!eargs->per_image.empty()) {
        std::string lines;
        for (size_t i = 0; i < rows.size(); ++i)
          lines += nlohmann::json{{"index", i}, {"text", first_text(rows[i])},
                                  {"read_original", join_words(orig_N[i].words)},
                                  {"read_reconstruction", join_words(recon_N[i].words)},
                                  {"reward_original", orig_N[i].reward},
                                  {"reward_reconstruction", recon_N[i].reward}}.dump() + "\n";
        write_file_atomic(eargs->per_image, lines);
      }
      summary["ocr_ned_original"] = orig;
      summary["ocr_ned_reconstruction"] = recon;
      summary["ocr_ratio"] = orig > 0 ? recon / orig : 0.0;
    }
    print_summary(summary);
  });
}

}  // namespace varrl::cli
