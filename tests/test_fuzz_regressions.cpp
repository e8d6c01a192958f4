// Inputs that crashed or misled a parser (found by scripts/fuzz.sh or by hand in issue #43), replayed through the same
// functions as the fuzz targets in fuzz/: each must give a result or a varrl::Error naming its origin, nothing else.
// Folder per target: tests/fuzz_regressions/<target>/.
#include <gtest/gtest.h>

#include <filesystem>

#include "varrl/core/atomic_file.h"
#include "varrl/core/config.h"
#include "varrl/core/error.h"
#include "varrl/core/safetensors.h"
#include "varrl/data/prompt_record.h"
#include "varrl/reward/external_reply.h"

namespace fs = std::filesystem;

namespace {

const fs::path kDir = fs::path(VARRL_SOURCE_DIR) / "tests/fuzz_regressions";

// Runs `parse` on every file of the target's folder; returns how many there were.
template <typename F>
int replay(const std::string& target, F&& parse) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(kDir / target)) {
    const std::string bytes = varrl::read_file(e.path().string());
    const std::string origin = "regression/" + e.path().filename().string();
    ++n;
    try {
      parse(bytes, origin);
    } catch (const varrl::Error& err) {
      EXPECT_NE(std::string(err.what()).find(origin), std::string::npos)
          << target << "/" << e.path().filename() << ": the error does not name its origin: " << err.what();
    } catch (const std::exception& err) {
      ADD_FAILURE() << target << "/" << e.path().filename() << ": not a varrl::Error: " << err.what();
    }
  }
  return n;
}

}  // namespace

TEST(FuzzRegressions, SafetensorsHeaders) {
  EXPECT_GE(replay("fuzz_safetensors", [](const std::string& b, const std::string& o) {
              varrl::from_safetensors_bytes(b, o);
            }),
            2);
}

TEST(FuzzRegressions, YamlConfigs) {
  EXPECT_GE(replay("fuzz_config",
                   [](const std::string& b, const std::string& o) {
                     varrl::Config c = varrl::Config::defaults();
                     c.merge_yaml_text(b, o);
                     (void)varrl::Config::from_yaml_text(b, o).to_yaml();
                   }),
            2);
}

TEST(FuzzRegressions, PromptFiles) {
  EXPECT_GE(replay("fuzz_prompts", [](const std::string& b,
                                      const std::string& o) { (void)varrl::parse_prompts(b, o); }),
            1);
}

TEST(FuzzRegressions, ExternalRewardReplies) {
  // The reply parser's errors say what is wrong, not where (the caller adds the command): only the type matters.
  int n = 0;
  for (const auto& e : fs::directory_iterator(kDir / "fuzz_external_reply")) {
    ++n;
    try {
      (void)varrl::parse_external_reply(varrl::read_file(e.path().string()), {7, 8, 9});
    } catch (const varrl::Error&) {
    } catch (const std::exception& err) {
      ADD_FAILURE() << e.path().filename() << ": not a varrl::Error: " << err.what();
    }
  }
  EXPECT_GE(n, 1);
}

// Numbers beyond the integer type they are read into (found by the CI fuzz run): converting them is undefined
// behaviour that a build without UBSan passes silently, so these must be refused by name, not merely not crash.
TEST(FuzzRegressions, NumbersBeyondTheirIntegerTypeAreRefused) {
  auto error_of = [](auto&& parse) -> std::string {
    try {
      parse();
    } catch (const varrl::Error& e) {
      return e.what();
    }
    return "(no error)";
  };
  auto with_length = [](const std::string& header) {  // the 8-byte little-endian header length, then the header
    std::string b(8, '\0');
    for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
    return b + header + std::string(8, '\0');
  };
  const std::string huge_dim = R"({"w": {"dtype": "F32", "shape": [4611611686018427387904, 4], "data_offsets": [0, 8]}})";
  EXPECT_NE(error_of([&] { varrl::from_safetensors_bytes(with_length(huge_dim), "st"); })
                .find("tensor 'w': shape must be a list of integers"),
            std::string::npos);
  const std::string float_offset = R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 1e30]}})";
  EXPECT_NE(error_of([&] { varrl::from_safetensors_bytes(with_length(float_offset), "st"); })
                .find("data_offsets must be two non-negative integers"),
            std::string::npos);
  const std::string pr = varrl::read_file((kDir / "fuzz_prompts/box_beyond_int.jsonl").string());
  EXPECT_NE(error_of([&] { (void)varrl::parse_prompts(pr, "p.jsonl"); }).find("p.jsonl:1: bad prompt record (a box"),
            std::string::npos);
  // A box within range still reads, rounded to the nearest pixel.
  const auto rows = varrl::parse_prompts(R"({"prompt": "x", "boxes": [[1.4, 2.6, 30, 40]]})", "ok.jsonl");
  EXPECT_EQ(rows.at(0).boxes.at(0), (varrl::Box{1, 3, 30, 40}));
}
