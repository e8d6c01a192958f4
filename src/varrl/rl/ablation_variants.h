// The variants of `varrl ablate` (the paper's ablation matrix): each is a name and the config switches applied on top
// of the RL preset. `--variants every` (the default) selects the whole matrix; a comma list selects by name, and the
// name `all` is the variant with all three components (VMR + PANW + MP), not the matrix.
#pragma once
#include <string>
#include <vector>

namespace varrl {

struct AblationVariant {
  std::string name;
  std::vector<std::string> sets;  // "key=value" switches, applied after rl_preset()
};

std::vector<AblationVariant> ablation_variants();

// "every" -> the whole matrix; "a,b,..." -> those variants in that order. An unknown name throws Error naming it and
// the known ones.
std::vector<AblationVariant> pick_ablation_variants(const std::string& list);

}  // namespace varrl
