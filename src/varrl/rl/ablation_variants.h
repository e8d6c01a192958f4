// The variants of `varrl ablate`: each is a name and the config switches applied over the protocol's base config.
//   ours  — over configs/defaults.yaml: GRPO, +PANW (α 0.6, 1.0), +VMR (m 4, 6; K 1, 2), +MP, all three; VMR rows use
//           the paper's PPPS alternation.
//   paper — over configs/rl/paper.yaml (the paper's method as written), in the paper's ablation order: vanilla GRPO,
//           its base row (VMR + PANW α 1.0, no MP), +MP, the full method (`paper`: α 0.6, m 4, K 2, PPPS), α 0.8 / 1.2,
//           m 3 / 6 / no split, K 1 / 4, coarse alternation (9 P then 3 S: the paper's 30 P then 10 S at our budget),
//           and as a diagnosis prefix-only and suffix-only updates. The full method is also the α 0.6, m 4 and K 2 row.
// `--variants every` (the default) selects the protocol's whole list; a comma list selects by name.
#pragma once
#include <string>
#include <vector>

namespace varrl {

enum class AblationProtocol { Ours, Paper };

struct AblationVariant {
  std::string name;
  std::vector<std::string> sets;  // "key=value" switches, applied after the protocol's base config
};

std::vector<AblationVariant> ablation_variants(AblationProtocol protocol = AblationProtocol::Ours);

// "every" -> the whole list; "a,b,..." -> those variants in that order. An unknown name throws Error naming it and
// the known ones.
std::vector<AblationVariant> pick_ablation_variants(const std::string& list,
                                                    AblationProtocol protocol = AblationProtocol::Ours);

}  // namespace varrl
