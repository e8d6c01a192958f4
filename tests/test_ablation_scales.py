#!/usr/bin/env python3
"""scripts/ablation_scales.py on two hand-made ablation runs per variant: the numbers it prints are checked by hand."""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "scripts", "ablation_scales.py")


def write_run(root, name, records, rl_reward):
    d = os.path.join(root, name)
    os.makedirs(d)
    with open(os.path.join(d, "metrics.jsonl"), "w") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")
    with open(os.path.join(d, "eval.json"), "w") as f:
        json.dump({"after": {"reward": 0.5}, "rl_prompts": {"reward": rl_reward}}, f)


def main():
    with tempfile.TemporaryDirectory() as root:
        full = lambda kl1, share, g: {"update": "B", "kl/scale0": 0.0, "kl/scale1": kl1, "loss_share/scale0": share,
                                      "loss_share/scale1": 0.0, "grad_norm": g}
        write_run(root, "vanilla-s0", [full(0.1, 0.2, 1.0), full(0.3, 0.4, 3.0)], 0.80)
        write_run(root, "vanilla-s1", [full(0.5, 0.2, 1.0)], 0.70)
        pre = lambda kl1, g: {"update": "P", "kl/scale0": 0.0, "kl/scale1": kl1, "loss_share/scale0": 1.0, "grad_norm": g}
        suf = lambda kl1, g: {"update": "S", "kl/scale0": 0.0, "kl/scale1": kl1, "loss_share/scale0": 0.0, "grad_norm": g}
        write_run(root, "vmr-s0", [pre(0.2, 2.0), suf(None, 4.0)], 0.60)
        write_run(root, "vmr-s1", [pre(1.0, 1.0)], 0.80)
        out = subprocess.run([sys.executable, SCRIPT, root, "vanilla", "vmr", "--prefix", "1"], check=True,
                             capture_output=True, text=True).stdout
        lines = {l.split("|")[1].strip(): l for l in out.splitlines() if l.startswith("| ") and "---" not in l}
        # vanilla: peak KL per scale = mean over runs of each run's max: scale 1 (0.3 + 0.5) / 2 = 0.40; prefix share
        # on B steps (0.2 + 0.4 + 0.2) / 3; grad norm (1 + 3 + 1) / 3.
        want_vanilla = "| vanilla | 0.00, 0.40 | – / – / 0.267 | – / – / 1.667 | – |"
        # vmr: scale 1 peaks 0.2 (the null is skipped) and 1.0 -> 0.60; paired reward: (0.6 - 0.8, 0.8 - 0.7) ->
        # mean -0.05, standard error std(-0.2, 0.1) / sqrt 2 = 0.15.
        want_vmr = "| vmr | 0.00, 0.60 | 1.000 / 0.000 / – | 1.500 / 4.000 / – | -0.050 ± 0.150 (2) |"
        ok = lines.get("vanilla") == want_vanilla and lines.get("vmr") == want_vmr
        if not ok:
            print("got:\n" + out + "\nwant:\n" + want_vanilla + "\n" + want_vmr)
            return 1
        bad = subprocess.run([sys.executable, SCRIPT, root, "vanilla", "nope"], capture_output=True, text=True)
        if bad.returncode == 0 or "no runs of variant 'nope'" not in bad.stderr:
            print("a missing variant must fail with one line naming it:", bad.returncode, bad.stderr)
            return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
