// Tokenizer throughput at the default preset (encode+decode images/s, train step images/s), next to the machine's
// measured fp32 GEMM GFLOP/s — the ceiling every benchmark is compared with. Prints one JSON line.
#include <chrono>
#include <nlohmann/json.hpp>

#include "bench_common.h"
#include "varrl/core/config.h"
#include "varrl/core/runtime.h"
#include "varrl/tokenizer/vqvae.h"

using namespace varrl;
using namespace varrl::bench;

int main(int argc, char** argv) {
  Config cfg = bench_config(argc, argv);
  VQVAE vae(TokenizerConfig::from_config(cfg));
  const int B = 16;
  auto x = torch::rand({B, 3, vae->cfg.image_height, vae->cfg.image_width}) * 2 - 1;
  nlohmann::json out;
  out["gemm_gflops_fp32"] = gemm_gflops();
  {
    torch::NoGradGuard ng;
    vae->eval();
    vae->idxBl_to_img(vae->img_to_idxBl(x));
    auto t = clk::now();
    int reps = 5;
    for (int i = 0; i < reps; ++i) vae->idxBl_to_img(vae->img_to_idxBl(x));
    out["encode_decode_images_per_s"] = B * reps / seconds_since(t);
  }
  {
    vae->train();
    torch::optim::AdamW opt(vae->parameters(), torch::optim::AdamWOptions(1e-4));
    auto step = [&] {
      auto o = vae->forward(x);
      auto loss = (o.rec_B3HW - x).abs().mean() + o.vq_loss;
      opt.zero_grad();
      loss.backward();
      opt.step();
    };
    step();
    auto t = clk::now();
    int reps = 5;
    for (int i = 0; i < reps; ++i) step();
    out["train_images_per_s"] = B * reps / seconds_since(t);
  }
  int64_t params = 0;
  for (auto& p : vae->parameters()) params += p.numel();
  out["tokenizer_params"] = params;
  out["threads"] = at::get_num_threads();
  std::printf("%s\n", out.dump().c_str());
}
