#include "varrl/reward/external_reply.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <map>

#include "varrl/core/error.h"
#include "varrl/data/prompt_record.h"

namespace varrl {

std::vector<RewardResult> parse_external_reply(const std::string& line, const std::vector<uint64_t>& ids) {
  std::vector<RewardResult> out(ids.size());
  const std::string name = "external";
  const std::string shown = line.size() > 200 ? line.substr(0, 200) + "..." : line;
  nlohmann::json rep;
  try {
    rep = nlohmann::json::parse(line);
  } catch (const std::exception&) {
    if (line.find("NaN") != std::string::npos || line.find("Infinity") != std::string::npos)
      throw Error("returned a non-finite reward (NaN/Infinity): " + shown);
    throw Error("replied with a line that is not JSON: " + shown);
  }
  if (!rep.is_object() || !rep.contains("ids") || !rep.contains("rewards"))
    throw Error("reply lacks \"ids\" or \"rewards\": " + shown);
  const auto& rids = rep["ids"];
  const auto& rewards = rep["rewards"];
  if (!rids.is_array() || !rewards.is_array() || rids.size() != ids.size() || rewards.size() != ids.size())
    throw Error("reply must have " + std::to_string(ids.size()) + " ids and rewards: " + shown);
  std::map<uint64_t, size_t> index;  // request id -> position in the batch
  for (size_t i = 0; i < ids.size(); ++i) index[ids[i]] = i;
  std::vector<bool> seen(ids.size(), false);
  const bool has_boxes = rep.contains("boxes") && !rep["boxes"].is_null();
  if (has_boxes && (!rep["boxes"].is_array() || rep["boxes"].size() != ids.size()))
    throw Error("\"boxes\" must hold one list per image: " + shown);
  for (size_t j = 0; j < ids.size(); ++j) {
    if (!rids[j].is_number_unsigned() || !index.count(rids[j].get<uint64_t>()))
      throw Error("replied with wrong ids (sent " + nlohmann::json(ids).dump() + "): " + shown);
    const size_t i = index[rids[j].get<uint64_t>()];
    if (seen[i]) throw Error("replied with a repeated id: " + shown);
    seen[i] = true;
    if (!rewards[j].is_number() || !std::isfinite(rewards[j].get<double>()))
      throw Error("reward for id " + std::to_string(ids[i]) + " is not a finite number: " + shown);
    out[i].reward = rewards[j].get<double>();
    out[i].parts[name] = out[i].reward;
    if (has_boxes) {
      for (const auto& b : rep["boxes"][j]) {
        try {
          out[i].words.push_back({"", 1.f, box_from_json(b)});
        } catch (const Error& e) {
          throw Error(std::string(e.what()) + ": " + shown);
        }
      }
    }
  }
  return out;
}

}  // namespace varrl
