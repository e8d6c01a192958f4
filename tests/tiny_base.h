// A tiny base model folder on disk (tokenizer + random policy, as `rl.base` expects), made once per test process:
// the RL tests and the data-parallel test start from it. Header-only test helper.
#pragma once
#include <unistd.h>

#include <filesystem>
#include <string>

#include "temp_dir.h"
#include "tiny_config.h"
#include "varrl/model/policy_io.h"
#include "varrl/tokenizer/tokenizer_io.h"

namespace varrl::testing {

inline std::string make_tiny_base() {
  static std::string dir;
  if (!dir.empty()) return dir;
  dir = (std::filesystem::temp_directory_path() / ("varrl_rl_base_" + std::to_string(::getpid()))).string();
  std::filesystem::create_directories(dir);
  remove_at_exit(dir);
  Config c = tiny_config("[[1,1],[1,2],[2,4],[4,8]]", "[1,2,2]");
  torch::manual_seed(0);
  VQVAE vae(TokenizerConfig::from_config(c));
  {
    torch::NoGradGuard ng;  // a spread-out codebook, so tokens map to visibly different images
    vae->quantize->embedding->weight.normal_(0, 1.0);
    vae->decoder->conv_out->weight.mul_(10.0);  // decoded images vary strongly with the tokens
  }
  VAR var = make_policy(c);
  save_model_config(dir, c);
  save_tokenizer(dir, vae);
  save_policy(dir + "/policy.safetensors", var);
  return dir;
}

}  // namespace varrl::testing
