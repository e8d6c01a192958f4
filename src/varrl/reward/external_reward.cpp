#include "varrl/reward/external_reward.h"

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "varrl/core/error.h"
#include "varrl/core/exit_cleanup.h"
#include "varrl/reward/external_reply.h"

namespace varrl {

namespace fs = std::filesystem;

ExternalOptions ExternalOptions::from_config(const Config& cfg) {
  ExternalOptions o;
  o.command = cfg.get<std::string>("reward.external.command");
  o.timeout_s = cfg.get<double>("reward.external.timeout_s");
  o.max_restarts = cfg.get<int>("reward.external.max_restarts");
  o.tmp_dir = cfg.get<std::string>("reward.external.tmp_dir");
  const int64_t cap = cfg.get<int64_t>("reward.external.max_reply_bytes");
  if (cap < 2) throw Error("config key 'reward.external.max_reply_bytes' must be >= 2, got " + std::to_string(cap));
  o.max_reply_bytes = static_cast<size_t>(cap);
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
  s.max_reply_bytes = o.max_reply_bytes;
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
    : opts_(opts), service_(service_options(opts)), dir_(make_temp_dir(opts.tmp_dir)) {
  register_temp_dir(dir_);  // removed on SIGINT/SIGTERM too (core/exit_cleanup.h)
}

ExternalReward::~ExternalReward() {
  unregister_temp_dir(dir_);
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
  try {
    out = parse_external_reply(line, ids);
  } catch (const Error& e) {
    throw violation(e.what());
  }
  cleanup();
  return out;
}

}  // namespace varrl
