// YAML configuration with documented defaults (configs/defaults.yaml, compiled in). Every key can be overridden by a
// YAML file or from the command line (`--set rl.group_size=8`); unknown keys and wrong types are errors naming the
// key. Types come from the default value: bool, int, float, string, list or map (a null default accepts anything).
#pragma once
#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

namespace varrl {

class Config {
 public:
  Config() = default;
  // Copies are deep (a YAML::Node copy would share the tree, so setting a key on the copy would change the original).
  Config(const Config& o) : root_(YAML::Clone(o.root_)) {}
  Config& operator=(const Config& o) {
    if (this != &o) root_ = YAML::Clone(o.root_);
    return *this;
  }
  Config(Config&&) = default;
  Config& operator=(Config&&) = default;

  // The compiled-in defaults.
  static Config defaults();
  // Parses YAML text as a complete config (used to read a run's or model's resolved config back).
  static Config from_yaml_text(const std::string& text, const std::string& origin);

  // Merges a YAML file onto this config (validated against the keys/types present here). With `skipped`, keys this
  // version does not know are listed there instead of refused (model folders written by older versions).
  void merge_file(const std::string& path, std::vector<std::string>* skipped = nullptr);
  void merge_yaml_text(const std::string& text, const std::string& origin);
  // `key=value` with a dotted key; the value is parsed as YAML.
  void set(const std::string& assignment);

  bool has(const std::string& dotted_key) const;
  template <typename T>
  T get(const std::string& dotted_key) const;
  // Returns a copy of a sub-tree (e.g. "tokenizer") as a standalone Config.
  Config section(const std::string& dotted_key) const;

  std::string to_yaml() const;
  YAML::Node& root() { return root_; }
  const YAML::Node& root() const { return root_; }

 private:
  YAML::Node root_;
};

// Embedded text of configs/defaults.yaml, configs/rl/paper.yaml and configs/rl/demo.yaml (generated at build time).
extern const char* const kDefaultsYaml;
extern const char* const kPaperRlYaml;
extern const char* const kDemoRlYaml;

}  // namespace varrl
