// Sampling speed of a converted FoundationVision/VAR model: varrl's `sample` (KV cache, CFG, top-k, top-p, decode)
// next to VAR's own `autoregressive_infer_cfg` (scripts/bench_var_official.py, run as a child process right after,
// same threads, same batch, same settings). Prints one JSON line: varrl.images_per_s, official.images_per_s, ratio,
// and the transformer part and the VQVAE decode apart (transformer_ratio, decode_ratio: official time / varrl time);
// where varrl switched OpenBLAS off a fallback kernel set, also the official sampler on that fallback (as Debian's
// python3-torch runs it here): ratio_vs_official_openblas_own_kernels.
// Usage: build/bench_var_sample MODEL_DIR VAR_CHECKOUT VAE_PTH VAR_PTH [threads=2] [batch=4] [reps=1]
//   MODEL_DIR: scripts/convert_var.py's output of VAE_PTH + VAR_PTH; VAR_CHECKOUT: the official code (not varrl's).
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "bench_common.h"
#include "varrl/core/blas_kernel.h"
#include "varrl/model/policy_io.h"
#include "varrl/sampler/sampler.h"
#include "varrl/tokenizer/tokenizer_io.h"

using namespace varrl;
using namespace varrl::bench;

static nlohmann::json run_official(const std::string& cmd) {
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("cannot run: " + cmd);
  std::string out, last;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) out = buf, last = out[0] == '{' ? out : last;
  if (pclose(p) != 0 || last.empty()) throw std::runtime_error("the official benchmark failed: " + cmd);
  return nlohmann::json::parse(last);
}

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s MODEL_DIR VAR_CHECKOUT VAE_PTH VAR_PTH [threads=2] [batch=4] [reps=1]\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const int threads = argc > 5 ? std::stoi(argv[5]) : 2, B = argc > 6 ? std::stoi(argv[6]) : 4,
            reps = argc > 7 ? std::stoi(argv[7]) : 1;
  init_runtime(threads, "cpu");
  Config cfg = load_model_config(dir);
  VQVAE vae = load_tokenizer(dir, cfg);
  VAR var = load_policy(dir, cfg);
  SamplingParams p;  // VAR's demo settings, whatever the folder's config says
  p.cfg = 4.0, p.top_k = 900, p.top_p = 0.95;
  std::vector<uint64_t> seeds;
  for (int i = 0; i < B; ++i) seeds.push_back(i);
  torch::NoGradGuard ng;
  const auto c = var->encode_labels(torch::full({B}, 207, torch::kLong));
  // The transformer part (KV-cached steps, CFG, top-k/top-p, f_hat updates) and the VQVAE decode, timed apart.
  double transformer_s = 0, decode_s = 0;
  for (int r = 0; r < reps; ++r) {
    auto t = clk::now();
    auto out = sample(var, vae, c, p, seeds, {}, /*decode=*/false);
    transformer_s += seconds_since(t);
    t = clk::now();
    vae->idxBl_to_img(out.idx_Bl);
    decode_s += seconds_since(t);
  }
  const double varrl_s = transformer_s + decode_s;
  std::fprintf(stderr, "varrl: %d images in %.1f s; now the official sampler\n", B * reps, varrl_s);
  std::string pn;
  for (const auto& s : var->cfg.patch_nums) pn += (pn.empty() ? "" : ",") + std::to_string(s.h);
  // The script beside this source file (CMake compiles it by its absolute path).
  const auto script = std::filesystem::path(__FILE__).parent_path().parent_path() / "scripts/bench_var_official.py";
  const std::string args = "'" + script.string() + "' --var-src '" + std::string(argv[2]) + "' --vae '" + argv[3] +
                           "' --var '" + argv[4] + "' --patch-nums " + pn + " --batch " + std::to_string(B) +
                           " --threads " + std::to_string(threads) + " --reps " + std::to_string(reps) +
                           " --cfg 4 --top-k 900 --top-p 0.95";
  // The official code runs on the same OpenBLAS kernels as varrl (core/blas_kernel.h) ...
  const BlasKernel kb = choose_blas_kernel();
  const auto official =
      run_official((kb.used.empty() ? "" : "OPENBLAS_CORETYPE=" + kb.used + " ") + "/usr/bin/python3 " + args);
  // ... and, where varrl switched them, once more on the kernels OpenBLAS picks by itself: the official code as
  // Debian's python3-torch runs it out of the box on this CPU.
  nlohmann::json own;
  if (!kb.used.empty() && kb.used != kb.detected) {
    std::fprintf(stderr, "now the official sampler on OpenBLAS's own choice (%s)\n", kb.detected.c_str());
    own = run_official("env -u OPENBLAS_CORETYPE /usr/bin/python3 " + args);
    own["kernels"] = kb.detected;
  }
  nlohmann::json out;
  // The transformer's arithmetic per image with CFG (2 rows per image): per token and block 24 D^2 (qkv, proj, fc1,
  // fc2 at mlp_ratio 4) + 4 D l (attention over the l tokens up to its scale), the head 2 V D; at the GEMM peak.
  const auto& cfgm = var->cfg;
  const double D = cfgm.width, V = cfgm.vocab_size;
  double flops = 0, prefix = 0;
  for (const auto& s : cfgm.patch_nums) {
    prefix += s.area();
    flops += s.area() * (cfgm.depth * (2 * (4 + 2 * cfgm.mlp_ratio) * D * D + 4 * D * prefix) + 2 * V * D);
  }
  flops *= 2;  // CFG
  const double peak = gemm_gflops(1024, 10);
  out["varrl"] = {{"images_per_s", B * reps / varrl_s}, {"seconds", varrl_s}, {"images", B * reps},
                  {"transformer_seconds", transformer_s}, {"decode_seconds", decode_s},
                  {"transformer_gflop_per_image", flops / 1e9}, {"gemm_peak_gflops", peak},
                  {"transformer_vs_gemm_peak", transformer_s / (B * reps * flops / 1e9 / peak)}};
  out["blas_kernels"] = kb.used;
  out["official"] = official;
  out["ratio"] = out["varrl"]["images_per_s"].get<double>() / official["images_per_s"].get<double>();
  if (!own.is_null())
    out["official_openblas_own_kernels"] = own,
    out["ratio_vs_official_openblas_own_kernels"] =
        out["varrl"]["images_per_s"].get<double>() / own["images_per_s"].get<double>();
  if (official.contains("transformer_seconds"))  // the same work without the decode, and the decode alone
    out["transformer_ratio"] = official["transformer_seconds"].get<double>() / transformer_s,
    out["decode_ratio"] = official["decode_seconds"].get<double>() / decode_s;
  out["threads"] = threads, out["batch"] = B, out["cfg"] = 4.0, out["top_k"] = 900, out["top_p"] = 0.95;
  std::printf("%s\n", out.dump().c_str());
  return 0;
}
