#!/usr/bin/python3
"""Converts FoundationVision/VAR checkpoints (vae_ch160v4096z32.pth + var_d16.pth ...) into a varrl model folder:
MODEL_DIR/{config.yaml, tokenizer.safetensors, policy.safetensors} with model.cond: class.

    /usr/bin/python3 scripts/convert_var.py --vae vae_ch160v4096z32.pth --var var_d16.pth --out models/var-d16

Needs Debian's python3-torch (to read the .pth pickles) and nothing else. Every tensor's name and shape is checked
against VAR's layout (scripts/var/var_layout.py); a mismatch is one line on stderr and exit status 2.
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "var"))
from safetensors_write import write_safetensors  # noqa: E402
from var_layout import (DROPPED_VAE_KEYS, LayoutError, check_layout, config_yaml, var_hparams,  # noqa: E402
                        var_shapes, vae_hparams, vae_shapes)


def load_state_dict(path):
    try:
        obj = torch.load(path, map_location="cpu")
    except Exception as e:  # truncated zip, garbage, a pickle of something else: one line naming the file
        reason = (str(e).strip().splitlines() or [type(e).__name__])[0][:200]
        raise LayoutError(f"{path}: not a readable PyTorch checkpoint ({reason})") from None
    for key in ("state_dict", "model", "trainer"):  # plain state dicts are what VAR ships; unwrap common wrappers
        if isinstance(obj, dict) and key in obj and isinstance(obj[key], dict) and not torch.is_tensor(obj[key]):
            obj = obj[key]
    if not isinstance(obj, dict) or not all(torch.is_tensor(v) for v in obj.values()):
        raise LayoutError(f"{path}: not a state dict of tensors")
    return {k: v for k, v in obj.items()}


def as_stored(name, t, dtype):
    # Floats are stored as `dtype` (varrl's load converts them to fp32); VAR's int64 level buffer stays int64.
    return t.to(torch.int64) if name == "lvl_1L" else t.to(dtype)


def convert(vae_path, var_path, out, patch_nums, image_size, num_heads, sampler, dtype=torch.float32):
    vae_sd, var_sd = load_state_dict(vae_path), load_state_dict(var_path)
    vae_h = vae_hparams(vae_sd, patch_nums)
    if vae_h["share_quant_resi"] != 4:
        raise LayoutError(f"{vae_path}: {vae_h['share_quant_resi']} shared phi convs; varrl maps scales to phi "
                          "convs as VAR does for 4 (VAR's released VQVAE)")
    check_layout(vae_path, vae_sd, vae_shapes(vae_h), DROPPED_VAE_KEYS)
    var_h = var_hparams(var_sd, patch_nums, num_heads)
    check_layout(var_path, var_sd, var_shapes(var_h))
    if not image_size:  # VAR's images: the last scale times the VQVAE's downsampling 2^(levels - 1)
        image_size = patch_nums[-1] * 2 ** (len(vae_h["ch_mult"]) - 1)
    yaml = config_yaml(vae_h, var_h, image_size, sampler)
    os.makedirs(out, exist_ok=True)
    write_safetensors(os.path.join(out, "tokenizer.safetensors"),
                      {k: as_stored(k, v, dtype) for k, v in vae_sd.items() if k not in DROPPED_VAE_KEYS},
                      {"format": "varrl-vqvae", "source": os.path.basename(vae_path)})
    write_safetensors(os.path.join(out, "policy.safetensors"), {k: as_stored(k, v, dtype) for k, v in var_sd.items()},
                      {"format": "varrl-var", "source": os.path.basename(var_path)})
    with open(os.path.join(out, "config.yaml"), "w") as f:
        f.write(yaml)
    return vae_h, var_h, image_size


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vae", required=True, help="VAR's VQVAE state dict (.pth)")
    ap.add_argument("--var", required=True, help="VAR's transformer state dict (.pth)")
    ap.add_argument("--out", required=True, help="model folder to write")
    ap.add_argument("--patch-nums", default="1,2,3,4,5,6,8,10,13,16", help="VAR's scale schedule (square sides)")
    ap.add_argument("--image-size", type=int, default=0, help="pixels; default: last scale x the VQVAE downsampling")
    ap.add_argument("--num-heads", type=int, default=0, help="default: from the checkpoint (VAR: heads = depth)")
    ap.add_argument("--dtype", choices=["f32", "f16", "bf16"], default="f32", help="storage of float tensors")
    ap.add_argument("--cfg", type=float, default=4.0, help="sampler.cfg written to config.yaml (VAR's demo: 4)")
    ap.add_argument("--top-k", type=int, default=900, help="sampler.top_k (VAR's demo: 900)")
    ap.add_argument("--top-p", type=float, default=0.95, help="sampler.top_p (VAR's demo: 0.95)")
    a = ap.parse_args()
    patch_nums = [int(p) for p in a.patch_nums.split(",")]
    try:
        vae_h, var_h, image = convert(a.vae, a.var, a.out, patch_nums, a.image_size, a.num_heads or None,
                                      dict(cfg=a.cfg, top_k=a.top_k, top_p=a.top_p),
                                      {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}[a.dtype])
    except (LayoutError, OSError, RuntimeError) as e:
        print(f"convert_var: {e}", file=sys.stderr)
        sys.exit(2)
    print(f"convert_var: wrote {a.out} (VQVAE ch {vae_h['ch']} V {vae_h['vocab_size']} Cvae {vae_h['Cvae']}; "
          f"VAR depth {var_h['depth']} width {var_h['width']} heads {var_h['num_heads']}; {image}x{image}, "
          f"{len(patch_nums)} scales)")


if __name__ == "__main__":
    main()
