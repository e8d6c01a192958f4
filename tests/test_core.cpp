// Core pieces: safetensors, atomic files, config, progress, LR schedule.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "temp_dir.h"
#include "varrl/core/atomic_file.h"
#include "varrl/core/blas_kernel.h"
#include "varrl/core/config.h"
#include "varrl/core/error.h"
#include "varrl/core/lr_schedule.h"
#include "varrl/core/progress.h"
#include "varrl/core/safetensors.h"
#include "varrl/core/tensor_io.h"

using namespace varrl;
namespace fs = std::filesystem;
using varrl::testing::temp_dir;

template <typename F>
static std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(SafeTensors, ByteLayoutFollowsTheSpec) {
  SafeTensors st;
  TensorData t;
  t.dtype = DType::F32;
  t.shape = {2};
  float v[2] = {1.5f, -2.0f};
  t.bytes.assign(reinterpret_cast<uint8_t*>(v), reinterpret_cast<uint8_t*>(v) + 8);
  st.tensors["a"] = t;
  std::string b = to_safetensors_bytes(st);
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= uint64_t(uint8_t(b[i])) << (8 * i);
  ASSERT_EQ((8 + n) % 8, 0u);
  auto header = nlohmann::json::parse(b.substr(8, n));
  EXPECT_EQ(header["a"]["dtype"], "F32");
  EXPECT_EQ(header["a"]["shape"], nlohmann::json({2}));
  EXPECT_EQ(header["a"]["data_offsets"], nlohmann::json({0, 8}));
  float back[2];
  std::memcpy(back, b.data() + 8 + n, 8);
  EXPECT_EQ(back[0], 1.5f);
  EXPECT_EQ(back[1], -2.0f);
}

TEST(SafeTensors, TorchRoundTripAllDtypes) {
  auto dir = temp_dir("st_rt").string();
  std::map<std::string, torch::Tensor> in{{"f32", torch::randn({3, 4})},
                                          {"f64", torch::randn({5}, torch::kFloat64)},
                                          {"bf16", torch::randn({2, 2}).to(torch::kBFloat16)},
                                          {"i64", torch::arange(7)},
                                          {"u8", torch::randint(0, 255, {4}, torch::kUInt8)},
                                          {"scalar", torch::tensor(3.25)}};
  save_tensors(dir + "/x.safetensors", in, {{"k", "v"}});
  auto out = load_tensors(dir + "/x.safetensors");
  ASSERT_EQ(out.size(), in.size());
  for (auto& [k, t] : in) {
    EXPECT_EQ(out[k].scalar_type(), t.scalar_type()) << k;
    EXPECT_TRUE(torch::equal(out[k], t)) << k;
  }
  EXPECT_EQ(read_safetensors(dir + "/x.safetensors").metadata.at("k"), "v");
}

TEST(SafeTensors, TruncatedAndCorruptFilesGiveOneClearError) {
  auto dir = temp_dir("st_bad").string();
  save_tensors(dir + "/ok.safetensors", {{"w", torch::randn({64})}});
  std::string bytes = read_file(dir + "/ok.safetensors");
  write_file_atomic(dir + "/trunc.safetensors", bytes.substr(0, bytes.size() - 10));
  auto e = error_of([&] { read_safetensors(dir + "/trunc.safetensors"); });
  EXPECT_NE(e.find("trunc.safetensors"), std::string::npos) << e;
  EXPECT_NE(e.find("'w'"), std::string::npos) << e;
  std::string corrupt = bytes;
  corrupt[8] = '#';
  write_file_atomic(dir + "/corrupt.safetensors", corrupt);
  e = error_of([&] { read_safetensors(dir + "/corrupt.safetensors"); });
  EXPECT_NE(e.find("not JSON"), std::string::npos) << e;
  write_file_atomic(dir + "/tiny.safetensors", "abc");
  EXPECT_NE(error_of([&] { read_safetensors(dir + "/tiny.safetensors"); }), "");
  EXPECT_NE(error_of([&] { read_safetensors(dir + "/missing.safetensors"); }).find("missing.safetensors"),
            std::string::npos);
}

TEST(SafeTensors, ModuleLoadChecksNamesAndShapes) {
  auto dir = temp_dir("st_mod").string();
  torch::nn::Linear a(4, 3), wrong(4, 5);
  torch::nn::Sequential seq(torch::nn::Linear(4, 3));
  save_module(dir + "/a.safetensors", *a);
  torch::nn::Linear b(4, 3);
  load_module(dir + "/a.safetensors", *b);
  EXPECT_TRUE(torch::equal(a->weight, b->weight));
  auto e = error_of([&] { load_module(dir + "/a.safetensors", *wrong); });
  EXPECT_NE(e.find("'weight' has shape [3, 4]"), std::string::npos) << e;
  e = error_of([&] { load_module(dir + "/a.safetensors", *seq); });
  EXPECT_NE(e.find("missing tensor '0.weight'"), std::string::npos) << e;
  // A bf16 copy loads into an f32 module with bf16 rounding only.
  save_module(dir + "/h.safetensors", *a, DType::BF16);
  load_module(dir + "/h.safetensors", *b);
  EXPECT_LT((a->weight - b->weight).abs().max().item<float>(), 1e-2);
}

TEST(AtomicFile, ReplacesWithoutLeavingTempFiles) {
  auto dir = temp_dir("atomic").string();
  write_file_atomic(dir + "/f.txt", "one");
  write_file_atomic(dir + "/f.txt", "two");
  EXPECT_EQ(read_file(dir + "/f.txt"), "two");
  int n = 0;
  for (auto& e : fs::directory_iterator(dir)) (void)e, ++n;
  EXPECT_EQ(n, 1);
}

TEST(Config, DefaultsOverridesAndErrors) {
  Config c = Config::defaults();
  EXPECT_EQ(c.get<int>("data.image_width"), 128);
  c.set("tokenizer.vocab_size=64");
  EXPECT_EQ(c.get<int>("tokenizer.vocab_size"), 64);
  c.set("tokenizer.beta=1");  // int accepted where a float is expected
  EXPECT_DOUBLE_EQ(c.get<double>("tokenizer.beta"), 1.0);
  c.set("tokenizer.patch_nums=[[1,1],[2,8]]");
  EXPECT_EQ(c.get<std::vector<std::vector<int64_t>>>("tokenizer.patch_nums").size(), 2u);
  auto e = error_of([&] { c.set("tokenizer.vocab_sise=3"); });
  EXPECT_NE(e.find("unknown config key 'tokenizer.vocab_sise'"), std::string::npos) << e;
  e = error_of([&] { c.set("tokenizer.vocab_size=abc"); });
  EXPECT_NE(e.find("'tokenizer.vocab_size' expects int"), std::string::npos) << e;
  e = error_of([&] { c.set("tokenizer.attn_lowest=3"); });
  EXPECT_NE(e.find("expects bool"), std::string::npos) << e;
  e = error_of([&] { c.set("novalue"); });
  EXPECT_NE(e.find("key=value"), std::string::npos) << e;
}

TEST(Config, FileMergeValidatesAndRoundTrips) {
  auto dir = temp_dir("cfg").string();
  std::ofstream(dir + "/ok.yaml") << "tokenizer:\n  ch: 64\n";
  std::ofstream(dir + "/bad.yaml") << "tokenizer:\n  chh: 64\n";
  std::ofstream(dir + "/broken.yaml") << "tokenizer: [\n";
  Config c = Config::defaults();
  c.merge_file(dir + "/ok.yaml");
  EXPECT_EQ(c.get<int>("tokenizer.ch"), 64);
  auto e = error_of([&] { c.merge_file(dir + "/bad.yaml"); });
  EXPECT_NE(e.find("bad.yaml"), std::string::npos);
  EXPECT_NE(e.find("'tokenizer.chh'"), std::string::npos);
  EXPECT_NE(error_of([&] { c.merge_file(dir + "/broken.yaml"); }).find("invalid YAML"), std::string::npos);
  // A key set twice: identical repeats load (older model folders have them), different values are one error.
  std::ofstream(dir + "/same.yaml") << "rl:\n  lr: 0.5\nrl:\n  lr: 0.5\n";
  std::ofstream(dir + "/twice.yaml") << "rl:\n  lr: 0.5\n  steps: 3\nrl:\n  lr: 0.25\n";
  c.merge_file(dir + "/same.yaml");
  EXPECT_EQ(c.get<double>("rl.lr"), 0.5);
  auto twice = error_of([&] { c.merge_file(dir + "/twice.yaml"); });
  EXPECT_NE(twice.find("twice.yaml: config key 'rl' is set twice, to different values"), std::string::npos) << twice;
  EXPECT_EQ(c.get<double>("rl.lr"), 0.5);  // nothing of the refused file was applied
  EXPECT_NE(error_of([&] { c.merge_yaml_text("a: 1\n", "x"); }).find("unknown config key 'a'"), std::string::npos);
  Config back = Config::defaults();
  back.merge_yaml_text(c.to_yaml(), "roundtrip");
  EXPECT_EQ(back.to_yaml(), c.to_yaml());
}

TEST(Progress, LineShowsRateAndEta) {
  Progress p("x", 100);
  auto l = p.line(25, 5.0, "loss=1");
  EXPECT_NE(l.find("25/100"), std::string::npos) << l;
  EXPECT_NE(l.find("5.00 it/s"), std::string::npos) << l;
  EXPECT_NE(l.find("eta 00:15"), std::string::npos) << l;
  EXPECT_NE(l.find("loss=1"), std::string::npos) << l;
  EXPECT_EQ(Progress::format_duration(3725), "1:02:05");
  // A resumed loop: the first update (at step 80) is the origin of the rate, not step 0.
  Progress r("x", 100, 1e9);
  r.update(80);
  auto lr = r.line(90, 5.0, "");
  EXPECT_NE(lr.find("2.00 it/s"), std::string::npos) << lr;
  EXPECT_NE(lr.find("eta 00:05"), std::string::npos) << lr;
  // A time-bounded loop (varrl demo: 100000 steps or 10 minutes): 4 steps in 120 s of 600 show a fifth of the bar and
  // the 8 minutes left, not the 100000 steps' ETA; a limit the steps beat changes nothing.
  auto time_bounded_line = [](long total, long done, double elapsed) {
    Progress b("rl", total, 1e9);
    b.set_time_limit(600);
    b.update(0);
    return b.line(done, elapsed, "");
  };
  auto lt = time_bounded_line(100000, 4, 120.0);
  EXPECT_NE(lt.find("[####....................] 4 steps"), std::string::npos) << lt;
  EXPECT_NE(lt.find("elapsed 02:00 of 10:00 eta 08:00"), std::string::npos) << lt;
  auto lf = time_bounded_line(10, 5, 10.0);
  EXPECT_NE(lf.find("5/10 0.50 it/s elapsed 00:10 eta 00:10"), std::string::npos) << lf;
  // A step-bounded loop stopped by a signal after 3 of 10 steps: its last line says 3/10, not 10/10.
  ::testing::internal::CaptureStderr();
  {
    Progress s("pretrain", 10, 1e9);
    for (long step = 1; step <= 3; ++step) s.update(step);
    s.finish();
  }
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.rfind("3/10"), std::string::npos) << err;
  EXPECT_EQ(err.find("10/10"), std::string::npos) << err;
}

TEST(LrSchedule, WarmupThenCosine) {
  EXPECT_DOUBLE_EQ(lr_at(0, 1.0, 10, 110), 0.1);
  EXPECT_DOUBLE_EQ(lr_at(9, 1.0, 10, 110), 1.0);
  EXPECT_DOUBLE_EQ(lr_at(10, 1.0, 10, 110), 1.0);
  EXPECT_NEAR(lr_at(60, 1.0, 10, 110, 0.0), 0.5, 1e-12);
  EXPECT_NEAR(lr_at(110, 1.0, 10, 110, 0.1), 0.1, 1e-12);
}

TEST(Config, CopiesAreIndependent) {
  Config a = Config::defaults();
  Config b = a;
  b.set("tokenizer.ch=64");
  EXPECT_EQ(a.get<int>("tokenizer.ch"), 32);
  EXPECT_EQ(b.get<int>("tokenizer.ch"), 64);
  Config c;
  c = b;
  c.set("tokenizer.ch=96");
  EXPECT_EQ(b.get<int>("tokenizer.ch"), 64);
  // A key keeps the type of its default even after an override of another type's look-alike.
  a.set("rl.rollout.cfg=0");
  a.set("rl.rollout.cfg=2.5");
  EXPECT_DOUBLE_EQ(a.get<double>("rl.rollout.cfg"), 2.5);
}

// Errors that named no file (issue #43): __metadata__ of the wrong type (a JSON library message) and NaN weights
// (accepted, failing steps later).
TEST(SafeTensors, BadMetadataAndNaNWeightsNameTheFile) {
  auto dir = temp_dir("st_nan").string();
  const std::string h = "{\"__metadata__\": 5}";
  std::string bytes(8, '\0');
  bytes[0] = static_cast<char>(h.size());
  write_file_atomic(dir + "/meta.safetensors", bytes + h);
  auto e = error_of([&] { read_safetensors(dir + "/meta.safetensors"); });
  EXPECT_NE(e.find(dir + "/meta.safetensors: not a valid safetensors file: __metadata__"), std::string::npos) << e;
  torch::nn::Linear a(4, 3), b(4, 3);
  {
    torch::NoGradGuard ng;
    a->weight[1][2] = std::nanf("");
  }
  save_module(dir + "/nan.safetensors", *a);
  e = error_of([&] { load_module(dir + "/nan.safetensors", *b); });
  EXPECT_NE(e.find(dir + "/nan.safetensors: tensor 'weight' holds NaN values"), std::string::npos) << e;
  fs::remove_all(dir);
}

// Error lines are capped (a 1 MB config value made a 1 MB line) and stay one line, cut on UTF-8 boundaries.
TEST(Error, CapLineKeepsHeadAndTailOnOneLine) {
  const std::string long_value = "key 'x': " + std::string(1 << 20, 'v') + "\xc3\xa9nd\nnext";
  const std::string line = cap_line(long_value);
  EXPECT_LE(line.size(), 300u);
  EXPECT_EQ(line.rfind("key 'x': ", 0), 0u);
  EXPECT_NE(line.find("\xe2\x80\xa6"), std::string::npos);
  EXPECT_EQ(line.substr(line.size() - 9), "\xc3\xa9nd next");
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(cap_line("short"), "short");
}

// The kernel set chosen at load time is the one OpenBLAS uses, in this test binary as in `varrl`; a fallback set on a
// CPU with AVX2 was replaced by the CPU's best, and the switch is reversible (bench_blas_kernel times both).
TEST(BlasKernel, ChosenAtLoadAndSwitchable) {
  const BlasKernel k = choose_blas_kernel();
  if (k.detected.empty()) GTEST_SKIP() << "no OpenBLAS with dynamic kernels loaded";
  torch::mm(torch::ones({8, 8}), torch::ones({8, 8}));  // loads nothing new, changes nothing
  EXPECT_EQ(openblas_kernel(), k.used);
  const std::string best = best_openblas_kernel_for_cpu();
  if (k.detected == "Prescott" && !best.empty() && !std::getenv("OPENBLAS_CORETYPE") &&
      !std::getenv("VARRL_BLAS_KERNEL"))
    EXPECT_EQ(k.used, best);
  ASSERT_TRUE(force_openblas_kernel("Prescott"));
  EXPECT_EQ(openblas_kernel(), "Prescott");
  const auto a = torch::randn({64, 96}), b = torch::randn({96, 80});
  const auto slow = torch::mm(a, b);
  ASSERT_TRUE(force_openblas_kernel(k.used));
  EXPECT_EQ(openblas_kernel(), k.used);
  EXPECT_LT((torch::mm(a, b) - slow).abs().max().item<double>(), 1e-4);  // same product, other kernels
}
