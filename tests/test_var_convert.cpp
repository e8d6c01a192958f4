// scripts/convert_var.py on checkpoints in FoundationVision/VAR's released format (plain torch.save(state_dict)),
// written by Debian's python3-torch (tests/make_var_pth.py): a tiny random pair converts into a model folder whose
// tensors are the checkpoint's and which `varrl sample --class` runs; broken files are one error line, exit 2.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "run_varrl.h"
#include "temp_dir.h"
#include "varrl/core/atomic_file.h"
#include "varrl/core/tensor_io.h"

using namespace varrl;
namespace fs = std::filesystem;

namespace {

const std::string kPython = "/usr/bin/python3";  // Debian's, with python3-torch (scripts/setup.sh installs it)

bool have_python_torch() { return std::system((kPython + " -c 'import torch' > /dev/null 2>&1").c_str()) == 0; }

// Runs a command; returns its exit status, stdout and stderr.
struct Ran {
  int rc;
  std::string out, err;
};
Ran run(const std::string& cmd, const fs::path& dir) {
  const int st = std::system((cmd + " > " + (dir / "cmd.out").string() + " 2> " + (dir / "cmd.err").string()).c_str());
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, read_file((dir / "cmd.out").string()),
          read_file((dir / "cmd.err").string())};
}

std::string make_pth(const fs::path& dir, const std::string& defect) {
  const auto r = run(kPython + " " VARRL_SOURCE_DIR "/tests/make_var_pth.py " + dir.string() + " --defect " + defect, dir);
  EXPECT_EQ(r.rc, 0) << r.err;
  return r.out;
}

Ran convert(const fs::path& vae, const fs::path& var, const fs::path& out) {
  return run(kPython + " " VARRL_SOURCE_DIR "/scripts/convert_var.py --patch-nums 1,2,4 --vae " + vae.string() +
                 " --var " + var.string() + " --out " + out.string(),
             out.parent_path());
}

}  // namespace

TEST(VarConvert, TinyReleasedCheckpointConvertsLoadsAndSamples) {
  if (!have_python_torch()) GTEST_SKIP() << "python3-torch not installed (scripts/setup.sh installs it)";
  const auto dir = varrl::testing::temp_dir("var_convert");
  const auto sums = nlohmann::json::parse(make_pth(dir, "none"));
  const auto r = convert(dir / "vae.pth", dir / "var.pth", dir / "model");
  ASSERT_EQ(r.rc, 0) << r.err;
  // The folder holds the checkpoint's tensors (fp32 storage: equal sums), minus the VQVAE's training buffer.
  auto policy = load_tensors((dir / "model/policy.safetensors").string());
  auto tok = load_tensors((dir / "model/tokenizer.safetensors").string());
  for (const auto& [name, sd] : {std::pair{"head.weight", &policy}, {"blocks.1.attn.mat_qkv.weight", &policy},
                                 {"decoder.conv_out.weight", &tok}})
    EXPECT_NEAR(sd->at(name).to(torch::kDouble).sum().item<double>(), sums.at(name).get<double>(), 1e-9) << name;
  EXPECT_EQ(tok.count("quantize.ema_vocab_hit_SV"), 0u);
  EXPECT_NE(read_file((dir / "model/config.yaml").string()).find("cond: class"), std::string::npos);
  // varrl loads it as a class model and samples two classes.
  std::string summary;
  ASSERT_EQ(varrl::testing::run_varrl("sample --ckpt " + (dir / "model").string() +
                                          " --class 3,7 --n 2 --seed 0 --threads 1 --out " + (dir / "grid.png").string(),
                                      dir / "sample.log", &summary),
            0)
      << read_file((dir / "sample.log").string());
  EXPECT_EQ(nlohmann::json::parse(summary).at("prompts"), 2);
  EXPECT_GT(fs::file_size(dir / "grid.png"), 100u);
  fs::remove_all(dir);
}

TEST(VarConvert, BrokenCheckpointsAreOneErrorLineNamingTheFile) {
  if (!have_python_torch()) GTEST_SKIP() << "python3-torch not installed (scripts/setup.sh installs it)";
  const auto dir = varrl::testing::temp_dir("var_convert_bad");
  for (const std::string d : {"none", "shape", "missing", "extra"}) {
    fs::create_directories(dir / d);
    make_pth(dir / d, d);
  }
  {  // truncated (a download cut short) and not a checkpoint at all
    const std::string whole = read_file((dir / "none/var.pth").string());
    std::ofstream(dir / "truncated.pth", std::ios::binary) << whole.substr(0, whole.size() / 2);
    std::ofstream(dir / "garbage.pth") << "garbage\n";
  }
  struct Case {
    fs::path vae, var;
    std::string file, says;
  };
  const std::vector<Case> cases = {
      {dir / "shape/vae.pth", dir / "shape/var.pth", "var.pth", "'head.bias' has shape (17,), expected (16,)"},
      {dir / "missing/vae.pth", dir / "missing/var.pth", "var.pth", "missing tensor 'blocks.1.ffn.fc2.bias'"},
      {dir / "extra/vae.pth", dir / "extra/var.pth", "vae.pth", "unexpected tensor 'encoder.extra.weight'"},
      {dir / "none/vae.pth", dir / "truncated.pth", "truncated.pth", "not a readable PyTorch checkpoint"},
      {dir / "garbage.pth", dir / "none/var.pth", "garbage.pth", "not a readable PyTorch checkpoint"},
  };
  for (const auto& c : cases) {
    const auto r = convert(c.vae, c.var, dir / "out");
    EXPECT_EQ(r.rc, 2) << c.says;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.err.rfind("convert_var: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(c.file), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir / "out")) << "a refused conversion wrote " << (dir / "out");
  }
  fs::remove_all(dir);
}
