// The RL presets and the ablation matrices: configs/rl/*.yaml hold only their differences from configs/defaults.yaml
// (the built-in copies equal the files), and `varrl ablate --variants` picks valid rows of either protocol.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "varrl/core/config.h"
#include "varrl/core/error.h"
#include "varrl/rl/ablation_variants.h"
#include "varrl/rl/rl_config_check.h"

using namespace varrl;

// configs/defaults.yaml is the one home of the defaults: configs/rl/*.yaml hold only a variant's differences (every
// key they set differs from the default), and the binary's built-in copy of paper.yaml is the file.
TEST(RLConfigs, VariantFilesHoldOnlyDifferences) {
  const Config defaults = Config::defaults();
  std::function<void(const YAML::Node&, const std::string&, const std::string&)> walk =
      [&](const YAML::Node& n, const std::string& prefix, const std::string& file) {
        for (auto it = n.begin(); it != n.end(); ++it) {
          const std::string key = prefix + it->first.as<std::string>();
          if (it->second.IsMap()) {
            walk(it->second, key + ".", file);
            continue;
          }
          Config with = defaults;
          with.set(key + "=" + YAML::Dump(it->second));
          EXPECT_TRUE(with.to_yaml() != defaults.to_yaml()) << file << ": " << key << " repeats the default";
        }
      };
  for (const char* file : {"grpo.yaml", "paper.yaml", "demo.yaml"}) {
    const std::string path = std::string(VARRL_SOURCE_DIR) + "/configs/rl/" + file;
    Config c = defaults;
    EXPECT_NO_THROW(c.merge_file(path)) << file;
    EXPECT_NO_THROW(check_rl_config(c)) << file;
    walk(YAML::LoadFile(path), "", file);
  }
  for (auto [file, built_in] : {std::pair{"paper.yaml", kPaperRlYaml}, std::pair{"demo.yaml", kDemoRlYaml}}) {
    std::ifstream in(std::string(VARRL_SOURCE_DIR) + "/configs/rl/" + file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text, std::string(built_in)) << file;
  }
}

// `varrl ablate --variants`: "every" is the whole matrix (the paper's ablations), "all" the all-three variant alone,
// a list keeps its order, and an unknown name is an error naming it.
TEST(AblationVariants, EveryIsTheMatrixAndAllIsTheAllThreeVariant) {
  const auto every = pick_ablation_variants("every");
  ASSERT_EQ(every.size(), 8u);
  EXPECT_EQ(every.front().name, "grpo");
  const auto all = pick_ablation_variants("all");
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].name, "all");
  for (const char* on : {"rl.vmr.enabled=true", "rl.panw.enabled=true", "rl.mp.enabled=true"})
    EXPECT_NE(std::find(all[0].sets.begin(), all[0].sets.end(), on), all[0].sets.end()) << on;
  const auto two = pick_ablation_variants("mp,grpo");
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].name, "mp");
  EXPECT_EQ(two[1].name, "grpo");
  for (const auto& v : every) {  // every variant's switches are valid keys and values of the config
    Config c = Config::defaults();
    for (const auto& s : v.sets) EXPECT_NO_THROW(c.set(s)) << v.name << " " << s;
  }
  EXPECT_THROW(pick_ablation_variants("grpo,vmr-m9"), Error);
  EXPECT_THROW(pick_ablation_variants(""), Error);
  // The paper protocol: its rows, by the paper's names, each a valid config over paper.yaml.
  const auto paper = pick_ablation_variants("every", AblationProtocol::Paper);
  std::vector<std::string> names;
  for (const auto& v : paper) {
    names.push_back(v.name);
    Config c = Config::defaults();
    c.merge_yaml_text(kPaperRlYaml, "paper.yaml");
    for (const auto& s : v.sets) c.set(s);
    EXPECT_NO_THROW(check_rl_config(c)) << v.name;
  }
  for (const char* want : {"vanilla", "base", "+mp", "paper", "K1", "K4", "coarse", "alpha0.8", "m3", "nosplit",
                           "prefix-only", "suffix-only"})
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
}
