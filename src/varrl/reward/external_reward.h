// A user's reward program, started once and kept alive, spoken to in JSON lines (docs/rewards.md):
//   request (one line on its stdin):   {"ids": [12, 13], "prompts": ["...", "..."], "images": ["/tmp/.../12.png", ...]}
//   reply   (one line on its stdout):  {"ids": [12, 13], "rewards": [0.7, 0.1], "boxes": [[[x0, y0, x1, y1]], []]}
// ids are unique per image over the process's life; the reply may list them in any order but must list exactly
// those; rewards must be finite numbers; boxes are optional (one list per image). Each request has a deadline
// (reward.external.timeout_s); a crash or a missed deadline restarts the program (at most reward.external.max_restarts
// times); garbage, wrong ids, a missing or non-finite reward are a varrl::Error naming the command.
#pragma once
#include <cstdint>
#include <string>

#include "varrl/reward/line_service.h"
#include "varrl/reward/reward.h"

namespace varrl {

struct ExternalOptions {
  std::string command;  // run with /bin/sh -c
  double timeout_s = 60;
  int max_restarts = 3;
  std::string tmp_dir;  // where request PNGs are written ("" = the system's temp folder)
  size_t max_reply_bytes = size_t{4} << 20;  // a longer reply line is an error
  // reward.external.{command, timeout_s, max_restarts, tmp_dir, max_reply_bytes}
  static ExternalOptions from_config(const Config& cfg);
};

class ExternalReward : public RewardFn {
 public:
  explicit ExternalReward(const ExternalOptions& opts);
  ~ExternalReward() override;
  std::string name() const override { return "external"; }
  std::vector<RewardResult> score(const std::vector<Image>& images, const std::vector<PromptRecord>& prompts) override;
  LineService& service() { return service_; }

 private:
  ExternalOptions opts_;
  LineService service_;
  std::string dir_;
  uint64_t next_id_ = 0;
};

}  // namespace varrl
