#include "varrl/reward/external_reward.h"

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "varrl/core/error.h"

namespace varrl {

namespace fs = std::filesystem;

ExternalOptions ExternalOptions::from_config(const Config& cfg) {
  ExternalOptions o;
  o.command = cfg.get<std::string>("reward.external.command");
  o.timeout_s = cfg.get<double>("reward.external.timeout_s");
  o.max_restarts = cfg.get<int>("reward.external.max_restarts");
  o.tmp_dir = cfg.get<std::string>("reward.external.tmp_dir");
  if (o.command.empty()) throw Error("reward 'external' needs a command: set reward.external.command");
  if (!(o.timeout_s > 0)) throw Error("config key 'reward.external.timeout_s' must be positive");
  if (o.max_restarts < 0) throw Error("config key 'reward.external.max_restarts' must be >= 0");
  return o;
}

namespace {

ServiceOptions service_options(const ExternalOptions& o) {
  if (o.command.empty()) throw Error("reward 'external' needs a command: set reward.external.command");
  ServiceOptions s;
  s.argv = {"/bin/sh", "-c", o.command};
  s.label = "external reward '" + o.command + "'";
  s.timeout_s = o.timeout_s;
  s.max_restarts = o.max_restarts;
  return s;
}

std::string make_temp_dir(const std::string& base) {
  std::string root = base.empty() ? fs::temp_directory_path().string() : base;
  std::error_code ec;
  fs::create_directories(root, ec);
  std::string templ = (fs::path(root) / "varrl-external-XXXXXX").string();
  if (!::mkdtemp(templ.data())) throw Error(root + ": cannot create a temporary folder for reward images");
  return templ;
}

}  // namespace

ExternalReward::ExternalReward(const ExternalOptions& opts)
    : opts_(opts), service_(service_options(opts)), dir_(make_temp_dir(opts.tmp_dir)) {}

ExternalReward::~ExternalReward() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::vector<RewardResult> ExternalReward::score(const std::vector<Image>& images,
                                                const std::vector<PromptRecord>& prompts) {
  check_batch(name(), images, prompts);
  std::vector<RewardResult> out(images.size());
  if (images.empty()) return out;
  const std::string who = service_.options().label;
  nlohmann::json req;
  std::vector<uint64_t> ids;
  std::vector<std::string> paths;
  for (size_t i = 0; i < images.size(); ++i) {
    ids.push_back(next_id_++);
    paths.push_back((fs::path(dir_) / (std::to_string(ids.back()) + ".png")).string());
    const std::string png = encode_png(images[i]);
    std::ofstream f(paths.back(), std::ios::binary | std::ios::trunc);
    if (!f || !f.write(png.data(), static_cast<std::streamsize>(png.size())))
      throw Error(paths.back() + ": cannot write a reward image");
  }
  req["ids"] = ids;
  req["prompts"] = nlohmann::json::array();
  for (const auto& p : prompts) req["prompts"].push_back(p.prompt);
  req["images"] = paths;

  auto cleanup = [&] {
    std::error_code ec;
    for (const auto& p : paths) fs::remove(p, ec);
  };
  // A protocol violation leaves the program's state unknown: stop it (the next batch starts a fresh one).
  auto violation = [&](const std::string& what) {
    cleanup();
    service_.reset();
    return Error(who + ": " + what);
  };

  std::string line;
  try {
    line = service_.call(req.dump());
  } catch (...) {
    cleanup();
    throw;
  }
  const std::string shown = line.size() > 200 ? line.substr(0, 200) + "..." : line;
  nlohmann::json rep;
  try {
    rep = nlohmann::json::parse(line);
  } catch (const std::exception&) {
    if (line.find("NaN") != std::string::npos || line.find("Infinity") != std::string::npos)
      throw violation("returned a non-finite reward (NaN/Infinity): " + shown);
    throw violation("replied with a line that is not JSON: " + shown);
  }
  if (!rep.is_object() || !rep.contains("ids") || !rep.contains("rewards"))
    throw violation("reply lacks \"ids\" or \"rewards\": " + shown);
  const auto& rids = rep["ids"];
  const auto& rewards = rep["rewards"];
  if (!rids.is_array() || !rewards.is_array() || rids.size() != ids.size() || rewards.size() != ids.size())
    throw violation("reply must have " + std::to_string(ids.size()) + " ids and rewards: " + shown);
  std::map<uint64_t, size_t> index;  // request id -> position in the batch
  for (size_t i = 0; i < ids.size(); ++i) index[ids[i]] = i;
  std::vector<bool> seen(ids.size(), false);
  const bool has_boxes = rep.contains("boxes") && !rep["boxes"].is_null();
  if (has_boxes && (!rep["boxes"].is_array() || rep["boxes"].size() != ids.size()))
    throw violation("\"boxes\" must hold one list per image: " + shown);
  for (size_t j = 0; j < ids.size(); ++j) {
    if (!rids[j].is_number_unsigned() || !index.count(rids[j].get<uint64_t>()))
      throw violation("replied with wrong ids (sent " + nlohmann::json(ids).dump() + "): " + shown);
    const size_t i = index[rids[j].get<uint64_t>()];
    if (seen[i]) throw violation("replied with a repeated id: " + shown);
    seen[i] = true;
    if (!rewards[j].is_number() || !std::isfinite(rewards[j].get<double>()))
      throw violation("reward for id " + std::to_string(ids[i]) + " is not a finite number: " + shown);
    out[i].reward = rewards[j].get<double>();
    out[i].parts[name()] = out[i].reward;
    if (has_boxes) {
      for (const auto& b : rep["boxes"][j]) {
        if (!b.is_array() || b.size() != 4) throw violation("a box must be [x0, y0, x1, y1]: " + shown);
        Box box{};
        for (size_t k = 0; k < 4; ++k) {
          if (!b[k].is_number()) throw violation("a box must be [x0, y0, x1, y1]: " + shown);
          box[k] = static_cast<int>(std::lround(b[k].get<double>()));
        }
        out[i].words.push_back({"", 1.f, box});
      }
    }
  }
  cleanup();
  return out;
}

}  // namespace varrl
