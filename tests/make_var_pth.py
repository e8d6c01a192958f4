#!/usr/bin/python3
"""Writes a tiny random FoundationVision/VAR checkpoint pair (vae.pth, var.pth: plain torch.save(state_dict), the
released format) in the layout of scripts/var/var_layout.py, for tests/test_var_convert.cpp.

    /usr/bin/python3 tests/make_var_pth.py OUT_DIR [--defect none|shape|missing|extra]

Prints one JSON line: a few tensors' sums, to compare with the converted folder. Scales 1,2,4; VQVAE ch 32,
ch_mult (1,2), V 16, Cvae 4; VAR depth 2, width 32, 2 heads, 10 classes.
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts", "var"))
from var_layout import vae_shapes, var_shapes  # noqa: E402

PATCH_NUMS = [1, 2, 4]


def random_sd(shapes, gen):
    sd = {}
    for k, shape in sorted(shapes.items()):
        if k.endswith("norm.weight") or ".norm1.weight" in k or ".norm2.weight" in k or k.endswith("norm_out.weight"):
            sd[k] = torch.ones(shape)
        else:
            sd[k] = torch.randn(shape, generator=gen) * 0.05
    return sd


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--defect", choices=["none", "shape", "missing", "extra"], default="none")
    a = ap.parse_args()
    gen = torch.Generator().manual_seed(0)
    vae = random_sd(vae_shapes(dict(ch=32, ch_mult=[1, 2], num_res_blocks=1, attn_lowest=True, Cvae=4, vocab_size=16,
                                    share_quant_resi=4, patch_nums=PATCH_NUMS)), gen)
    vae["quantize.ema_vocab_hit_SV"] = torch.zeros(len(PATCH_NUMS), 16)  # a training buffer the converter drops
    var = random_sd(var_shapes(dict(depth=2, width=32, num_heads=2, mlp_ratio=4.0, attn_l2_norm=True, num_classes=10,
                                    vocab_size=16, Cvae=4, patch_nums=PATCH_NUMS)), gen)
    lvl = torch.cat([torch.full((p * p,), i) for i, p in enumerate(PATCH_NUMS)]).view(1, -1)
    var["lvl_1L"] = lvl
    var["attn_bias_for_masking"] = torch.where(lvl.view(-1, 1) >= lvl.view(1, -1), 0.0, -torch.inf).view(1, 1, *lvl.shape[1:] * 2)
    var["blocks.0.attn.scale_mul_1H11"] = torch.full((1, 2, 1, 1), 4.0).log()
    var["blocks.1.attn.scale_mul_1H11"] = torch.full((1, 2, 1, 1), 4.0).log()
    if a.defect == "shape":
        var["head.bias"] = torch.zeros(17)
    elif a.defect == "missing":
        del var["blocks.1.ffn.fc2.bias"]
    elif a.defect == "extra":
        vae["encoder.extra.weight"] = torch.zeros(3)
    os.makedirs(a.out, exist_ok=True)
    torch.save(vae, os.path.join(a.out, "vae.pth"))
    torch.save(var, os.path.join(a.out, "var.pth"))
    print(json.dumps({k: float(sd[k].double().sum()) for sd, k in
                      [(var, "head.weight"), (var, "blocks.1.attn.mat_qkv.weight"), (vae, "decoder.conv_out.weight")]}))


if __name__ == "__main__":
    main()
