#!/usr/bin/python3
"""Times FoundationVision/VAR's own sampler (`autoregressive_infer_cfg`, decode included) on CPU; prints one JSON line
{"images_per_s", "seconds", "transformer_seconds", "decode_seconds", "images", "threads"} (decode: the VQVAE's
`fhat_to_img` inside the sampler, timed by wrapping it). Used by bench/bench_var_sample, which runs varrl beside it.

    /usr/bin/python3 scripts/bench_var_official.py --var-src VAR_CHECKOUT --vae vae.pth --var var.pth \
        [--patch-nums 1,2,...,16 --batch 4 --cfg 4 --top-k 900 --top-p 0.95 --threads 2 --reps 1]

The official code is imported from --var-src (not part of varrl); flash/fused kernels are off (Debian's torch 1.13).
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "var"))
from var_layout import vae_hparams, var_hparams  # noqa: E402
from var_parity_ref import import_official  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for k in ("--var-src", "--vae", "--var"):
        ap.add_argument(k, required=True)
    ap.add_argument("--patch-nums", default="1,2,3,4,5,6,8,10,13,16")
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--cfg", type=float, default=4.0)
    ap.add_argument("--top-k", type=int, default=900)
    ap.add_argument("--top-p", type=float, default=0.95)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    var_mod, VAR, vqvae_mod = import_official(a.var_src)
    pn = tuple(int(p) for p in a.patch_nums.split(","))
    vae_sd, var_sd = torch.load(a.vae, map_location="cpu"), torch.load(a.var, map_location="cpu")
    vh, th = vae_hparams(vae_sd, pn), var_hparams(var_sd, pn)
    vae = vqvae_mod.VQVAE(vocab_size=vh["vocab_size"], z_channels=vh["Cvae"], ch=vh["ch"], test_mode=True,
                          share_quant_resi=vh["share_quant_resi"], v_patch_nums=pn)
    torch.nn.Module.load_state_dict(vae, vae_sd)  # VQVAE's override passes `assign`, which torch 1.13 lacks
    var = VAR(vae, num_classes=th["num_classes"], depth=th["depth"], embed_dim=th["width"], num_heads=th["num_heads"],
              mlp_ratio=th["mlp_ratio"], shared_aln=False, cond_drop_rate=0.0, attn_l2_norm=th["attn_l2_norm"],
              patch_nums=pn, flash_if_available=False, fused_if_available=False).eval()
    var.load_state_dict(var_sd)
    label = torch.full((a.batch,), 207, dtype=torch.long)
    decode_s, fhat_to_img = [0.0], vae.fhat_to_img

    def timed_fhat_to_img(*args, **kw):
        t0 = time.perf_counter()
        out = fhat_to_img(*args, **kw)
        decode_s[0] += time.perf_counter() - t0
        return out

    vae.fhat_to_img = timed_fhat_to_img  # the sampler calls it through var.vae_proxy[0], this same object
    t = time.perf_counter()
    for r in range(a.reps):
        var.autoregressive_infer_cfg(a.batch, label, g_seed=r, cfg=a.cfg, top_k=a.top_k, top_p=a.top_p)
    s = time.perf_counter() - t
    n = a.batch * a.reps
    print(json.dumps({"images_per_s": n / s, "seconds": s, "transformer_seconds": s - decode_s[0],
                      "decode_seconds": decode_s[0], "images": n, "threads": a.threads}))


if __name__ == "__main__":
    main()
