// Range checks of the rl.* numbers (core/config_check.h), run before an RL run touches its folder: rl.group_size=1,
// rl.steps=0, rl.panw.alpha=-1, ... stop with one line naming the key. Mode strings (rl.adv_norm, rl.loss_agg, ...)
// are checked where they are read.
#pragma once

namespace varrl {

class Config;

void check_rl_config(const Config& cfg);

}  // namespace varrl
