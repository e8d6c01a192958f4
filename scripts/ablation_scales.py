#!/usr/bin/env python3
"""Where an ablation's variants move the policy: per variant (mean over seeds) the peak KL of each scale, the prefix
scales' share of the loss and the mean grad norm on prefix (P), suffix (S) and full (B) updates, and each run's
RL-prompt reward minus the first variant's on the same seed (paired; mean ± standard error).

    python3 scripts/ablation_scales.py runs/abl-paper vanilla base +mp paper prefix-only suffix-only [--prefix 4]

Reads only what `varrl ablate` wrote: VARIANT-sSEED/metrics.jsonl and VARIANT-sSEED/eval.json.
"""
import argparse
import glob
import json
import math
import os
import statistics


def mean(xs):
    return statistics.mean(xs) if xs else float("nan")


def se(xs):
    return statistics.stdev(xs) / math.sqrt(len(xs)) if len(xs) > 1 else float("nan")


def runs_of(root, variant):
    return sorted(glob.glob(os.path.join(glob.escape(root), glob.escape(variant) + "-s[0-9]*")))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root")
    ap.add_argument("variants", nargs="+")
    ap.add_argument("--prefix", type=int, default=4, help="scales 0..prefix-1 count as the prefix (VMR's m)")
    a = ap.parse_args()

    def rl_reward(run):
        with open(os.path.join(run, "eval.json")) as f:
            return json.load(f).get("rl_prompts", {}).get("reward")

    reference = {os.path.basename(r).rsplit("-s", 1)[1]: rl_reward(r) for r in runs_of(a.root, a.variants[0])}
    print("| variant | peak KL per scale (0, 1, ...) | prefix loss share P / S / B | grad norm P / S / B | "
          f"RL-prompt reward − {a.variants[0]} (paired) |")
    print("|---|---|---|---|---|")
    for v in a.variants:
        runs = runs_of(a.root, v)
        if not runs:
            raise SystemExit(f"{a.root}: no runs of variant '{v}'")
        peaks, share, grad, diff = {}, {"P": [], "S": [], "B": []}, {"P": [], "S": [], "B": []}, []
        for run in runs:
            with open(os.path.join(run, "metrics.jsonl")) as f:
                recs = [json.loads(line) for line in f if line.strip()]
            for key in {k for r in recs for k in r if k.startswith("kl/scale")}:
                peaks.setdefault(int(key[8:]), []).append(max(r.get(key) or 0.0 for r in recs))
            for r in recs:
                u = r.get("update", "B")
                share.setdefault(u, []).append(sum(r.get(f"loss_share/scale{k}", 0.0) for k in range(a.prefix)))
                grad.setdefault(u, []).append(r.get("grad_norm", 0.0))
            seed = os.path.basename(run).rsplit("-s", 1)[1]
            mine = rl_reward(run)
            if mine is not None and reference.get(seed) is not None:
                diff.append(mine - reference[seed])
        fmt = lambda d: " / ".join("%.3f" % mean(d[u]) if d[u] else "–" for u in "PSB")
        peak = ", ".join("%.2f" % mean(peaks[k]) for k in sorted(peaks))
        paired = "%+.3f ± %.3f (%d)" % (mean(diff), se(diff), len(diff)) if v != a.variants[0] else "–"
        print(f"| {v} | {peak} | {fmt(share)} | {fmt(grad)} | {paired} |")


if __name__ == "__main__":
    main()
