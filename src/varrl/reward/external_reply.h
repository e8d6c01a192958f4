// The external reward's reply line, checked and mapped back to the request's order (protocol: external_reward.h).
// Separate from the process handling so that it can be tested and fuzzed on its own (fuzz/fuzz_external_reply.cpp).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "varrl/reward/reward.h"

namespace varrl {

// One result per id of `ids` (the request's order), with the reward under parts["external"] and the boxes as words.
// Throws varrl::Error saying what is wrong (not JSON, wrong or repeated ids, a reward that is not a finite number,
// malformed boxes), quoting at most 200 bytes of the line.
std::vector<RewardResult> parse_external_reply(const std::string& line, const std::vector<uint64_t>& ids);

}  // namespace varrl
