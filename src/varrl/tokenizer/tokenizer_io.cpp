#include "varrl/tokenizer/tokenizer_io.h"

#include <filesystem>

#include <spdlog/spdlog.h>

#include "varrl/core/atomic_file.h"
#include "varrl/core/error.h"
#include "varrl/core/tensor_io.h"

namespace varrl {

Config load_model_config(const std::string& dir) {
  const std::string path = dir + "/config.yaml";
  if (!std::filesystem::exists(path)) throw Error(dir + ": not a model folder (no config.yaml)");
  Config cfg = Config::defaults();
  // A folder written by an older version may name keys since removed (docs/experiments.md): they configured
  // experiments that were off in every shipped model, so the folder loads without them.
  std::vector<std::string> skipped;
  cfg.merge_file(path, &skipped);
  if (!skipped.empty()) {
    std::string keys;
    for (const auto& k : skipped) keys += (keys.empty() ? "" : ", ") + k;
    spdlog::warn("{}: ignoring keys this version does not have: {}", path, keys);
  }
  return cfg;
}

void save_model_config(const std::string& dir, const Config& cfg) {
  write_file_atomic(dir + "/config.yaml", cfg.to_yaml());
}

VQVAE load_tokenizer(const std::string& dir, const Config& cfg) {
  VQVAE vae(TokenizerConfig::from_config(cfg));
  const std::string path = dir + "/tokenizer.safetensors";
  if (!std::filesystem::exists(path)) throw Error(path + ": tokenizer weights not found");
  load_module(path, *vae);
  vae->eval();
  return vae;
}

void save_tokenizer(const std::string& dir, const VQVAE& vae) {
  std::filesystem::create_directories(dir);
  save_module(dir + "/tokenizer.safetensors", *vae, DType::F32, {{"format", "varrl-vqvae"}});
}

}  // namespace varrl
