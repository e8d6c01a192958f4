#!/usr/bin/python3
"""Reference numbers from FoundationVision/VAR's own code, for varrl's parity test (tests/test_var_parity.cpp).

    /usr/bin/python3 scripts/var_parity_ref.py --var-src /path/to/VAR --out DIR [--ch 32 --depth 2 ...]

Imports the official code from --var-src (a checkout of github.com/FoundationVision/VAR; not part of varrl), draws
random weights at full scale with a fixed seed (the official VQVAE has no random init, and VAR's own init is tiny:
near-zero AdaLN gammas would hide most of the network), and writes
  DIR/vae.pth, DIR/var.pth   the weights as VAR's state dicts (convert them with scripts/convert_var.py)
  DIR/ref.safetensors        img_B3HW, f_BChw (quant_conv(encoder(img))), idx_s{si}_Bl, f_hat_BChw, dec_B3HW
                             (decoder(post_quant_conv(f_hat)), unclamped), x_BLCv (teacher-forcing input), label_B,
                             logits_BLV (teacher-forced), and from autoregressive_infer_cfg (cfg, top-k, top-p):
                             sample_label_B, sample_idx_s{si}_Bl, guided_s{si}_BlV (the guided logits before top-k/p),
                             sample_img_B3HW (VAR's [0, 1] output)
Runs on CPU with Debian's python3-torch 1.13: flash/fused kernels off, cond_drop_rate 0 (VAR drops labels even in
eval mode otherwise).
"""
import argparse
import math
import os
import sys
import types

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "var"))
from safetensors_write import write_safetensors  # noqa: E402


def import_official(src):
    # VAR's model file imports huggingface_hub only for a mixin of its hub class; Debian has no such package.
    if "huggingface_hub" not in sys.modules:
        sys.modules["huggingface_hub"] = types.SimpleNamespace(PyTorchModelHubMixin=object)
    sys.path.insert(0, os.path.abspath(src))
    import models.var as var_mod
    from models.var import VAR
    import models.vqvae as vqvae_mod
    return var_mod, VAR, vqvae_mod


@torch.no_grad()
def redraw(module, gen):
    """Every parameter at full scale: weights ~ N(0, 1/fan_in), norm gains 1 ± 0.2, biases and tables O(0.1-1)."""
    for name, p in module.named_parameters():
        n = torch.randn(p.shape, generator=gen)
        if name.endswith("scale_mul_1H11"):
            p.copy_(math.log(4.0) + 0.3 * n)
        elif "norm" in name and name.endswith("weight") and p.ndim == 1:
            p.copy_(1 + 0.2 * n)
        elif name.startswith(("class_emb", "pos_", "lvl_embed")) or "embedding" in name:
            p.copy_(n)
        elif p.ndim >= 2:
            p.copy_(n / math.sqrt(p[0].numel()))
        else:
            p.copy_(0.1 * n)


def fixed_image(B, H, gen):
    ys, xs = torch.meshgrid(torch.linspace(-1, 1, H), torch.linspace(-1, 1, H), indexing="ij")
    base = torch.stack([torch.sin(3 * xs + b) * torch.cos(2 * ys - b) for b in range(3 * B)]).view(B, 3, H, H)
    return (0.8 * base + 0.2 * torch.rand(B, 3, H, H, generator=gen) * 2 - 0.2).clamp(-1, 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--var-src", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--ch", type=int, default=32)
    ap.add_argument("--ch-mult", default="1,1,2,2,4", help="VAR's levels; fewer keep a test's weights small")
    ap.add_argument("--V", type=int, default=512)
    ap.add_argument("--Cvae", type=int, default=16)
    ap.add_argument("--depth", type=int, default=2)
    ap.add_argument("--width", type=int, default=128)
    ap.add_argument("--heads", type=int, default=2)
    ap.add_argument("--num-classes", type=int, default=1000)
    ap.add_argument("--patch-nums", default="1,2,3,4")
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--cfg", type=float, default=4.0)
    ap.add_argument("--top-k", type=int, default=100)
    ap.add_argument("--top-p", type=float, default=0.95)
    ap.add_argument("--f16-weights", action="store_true", help="round every weight to an fp16 value")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    var_mod, VAR, vqvae_mod = import_official(a.var_src)
    pn = tuple(int(p) for p in a.patch_nums.split(","))
    gen = torch.Generator().manual_seed(a.seed)
    vae = vqvae_mod.VQVAE(vocab_size=a.V, z_channels=a.Cvae, ch=a.ch, test_mode=True, share_quant_resi=4,
                          v_patch_nums=pn)
    ch_mult = tuple(int(m) for m in a.ch_mult.split(","))
    if ch_mult != (1, 1, 2, 2, 4):  # VQVAE hard-codes its levels; a small test swaps in VAR's own Encoder/Decoder
        dd = dict(dropout=0.0, ch=a.ch, z_channels=a.Cvae, in_channels=3, ch_mult=ch_mult, num_res_blocks=2,
                  using_sa=True, using_mid_sa=True)
        vae.encoder, vae.decoder = vqvae_mod.Encoder(double_z=False, **dd).eval(), vqvae_mod.Decoder(**dd).eval()
        vae.downsample = 2 ** (len(ch_mult) - 1)
    var = VAR(vae, num_classes=a.num_classes, depth=a.depth, embed_dim=a.width, num_heads=a.heads,
              drop_path_rate=0.0, shared_aln=False, cond_drop_rate=0.0, attn_l2_norm=True, patch_nums=pn,
              flash_if_available=False, fused_if_available=False).eval()
    redraw(vae, gen)
    redraw(var, gen)
    if a.f16_weights:  # weights that fp16 holds exactly: a committed test folder stored as F16 is half the size
        with torch.no_grad():
            for p in list(vae.parameters()) + list(var.parameters()):
                p.copy_(p.half().float())
    os.makedirs(a.out, exist_ok=True)
    torch.save(dict(vae.state_dict()), os.path.join(a.out, "vae.pth"))
    torch.save(dict(var.state_dict()), os.path.join(a.out, "var.pth"))

    ref = {}
    B, H = a.batch, pn[-1] * vae.downsample
    with torch.no_grad():
        img = fixed_image(B, H, gen)
        f = vae.quant_conv(vae.encoder(img))
        idx = vae.quantize.f_to_idxBl_or_fhat(f, to_fhat=False)
        f_hat = vae.quantize.f_to_idxBl_or_fhat(f, to_fhat=True)[-1]
        ref.update(img_B3HW=img, f_BChw=f, f_hat_BChw=f_hat, dec_B3HW=vae.decoder(vae.post_quant_conv(f_hat)))
        for si, t in enumerate(idx):
            ref[f"idx_s{si}_Bl"] = t
        x = vae.quantize.idxBl_to_var_input(idx)
        label = torch.tensor([3, a.num_classes] + [7 * i + 1 for i in range(B - 2)])[:B]  # num_classes: unconditional
        ref.update(x_BLCv=x, label_B=label, logits_BLV=var(label, x))

    recorded = []
    official_sample = var_mod.sample_with_top_k_top_p_

    def recording_sample(logits_BlV, **kw):  # keeps the guided logits before top-k/top-p mask them in place
        guided = logits_BlV.clone()
        idx_Bl1 = official_sample(logits_BlV, **kw)
        recorded.append((guided, idx_Bl1[:, :, 0].clone()))
        return idx_Bl1

    var_mod.sample_with_top_k_top_p_ = recording_sample
    sample_label = torch.tensor([207, 3] + [11 * i for i in range(B - 2)])[:B]
    img01 = var.autoregressive_infer_cfg(B, sample_label, g_seed=a.seed, cfg=a.cfg, top_k=a.top_k, top_p=a.top_p)
    var_mod.sample_with_top_k_top_p_ = official_sample
    for si, (guided, idx_Bl) in enumerate(recorded):
        ref[f"guided_s{si}_BlV"], ref[f"sample_idx_s{si}_Bl"] = guided, idx_Bl
    ref.update(sample_label_B=sample_label, sample_img_B3HW=img01)
    meta = dict(cfg=a.cfg, top_k=a.top_k, top_p=a.top_p, seed=a.seed, torch=torch.__version__)
    write_safetensors(os.path.join(a.out, "ref.safetensors"),
                      {k: (v.long() if not v.is_floating_point() else v.float()) for k, v in ref.items()}, meta)
    print(f"var_parity_ref: wrote {a.out} ({len(ref)} reference tensors; image {H}x{H}, scales {pn})")


if __name__ == "__main__":
    main()
