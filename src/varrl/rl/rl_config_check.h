// Range checks of the rl.* numbers, run before an RL run touches its folder: a bad value (rl.group_size=1,
// rl.steps=0, rl.panw.alpha=-1, ...) stops with one line naming the key, instead of a LibTorch or JSON message from
// deep inside the first step, or a run that trains nothing. Mode strings (rl.adv_norm, rl.loss_agg, ...) are checked
// where they are read.
#pragma once

namespace varrl {

class Config;

void check_rl_config(const Config& cfg);

}  // namespace varrl
