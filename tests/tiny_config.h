// The tiny model every torch test uses: 16x32 images, a few scales, a 2-block policy. Header-only test helper.
#pragma once
#include <string>
#include <vector>

#include "varrl/core/config.h"

namespace varrl::testing {

// `patch_nums`/`ch_mult` pick the scale schedule (the last scale must equal the latent size).
inline Config tiny_config(const std::string& patch_nums = "[[1,1],[1,2],[2,4],[4,8],[8,16]]",
                          const std::string& ch_mult = "[1,2]") {
  Config c = Config::defaults();
  for (const std::string s :
       {"tokenizer.ch=32", "tokenizer.vocab_size=32", "data.image_height=16", "data.image_width=32", "model.depth=2",
        "model.width=32", "model.num_heads=2", "model.text_width=16", "model.text_layers=1", "model.text_heads=2",
        "model.text_max_len=48"})
    c.set(s);
  c.set("tokenizer.ch_mult=" + ch_mult);
  c.set("tokenizer.patch_nums=" + patch_nums);
  return c;
}

}  // namespace varrl::testing
