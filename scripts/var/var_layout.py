"""The tensor layout of FoundationVision/VAR checkpoints (VQVAE and class-conditional VAR), written out by hand so
that a conversion can check every name and shape before varrl sees the file, and the varrl config that builds the
same modules. varrl's module names follow VAR's state_dict, so the layout is also varrl's (tokenizer, policy).
"""
import math
import re

# Buffers VAR's checkpoints carry that varrl does not keep: training statistics only.
DROPPED_VAE_KEYS = ("quantize.ema_vocab_hit_SV",)


class LayoutError(Exception):
    pass


def _count(sd, pattern):
    found = {int(m.group(1)) for k in sd for m in [re.match(pattern, k)] if m}
    return max(found) + 1 if found else 0


def vae_hparams(sd, patch_nums):
    """ch, ch_mult, num_res_blocks, attention, Cvae, V and φ count read from a VQVAE state dict."""
    need = ("encoder.conv_in.weight", "quantize.embedding.weight")
    for k in need:
        if k not in sd:
            raise LayoutError(f"VQVAE checkpoint: missing tensor '{k}' (is this a VAR VQVAE state dict?)")
    ch = sd["encoder.conv_in.weight"].shape[0]
    levels = _count(sd, r"encoder\.down\.(\d+)\.")
    ch_mult = [sd[f"encoder.down.{i}.block.0.conv1.weight"].shape[0] // ch for i in range(levels)]
    V, Cvae = sd["quantize.embedding.weight"].shape
    return dict(ch=ch, ch_mult=ch_mult, num_res_blocks=_count(sd, r"encoder\.down\.0\.block\.(\d+)\."),
                attn_lowest="encoder.mid.attn_1.norm.weight" in sd, Cvae=Cvae, vocab_size=V,
                share_quant_resi=_count(sd, r"quantize\.quant_resi\.qresi_ls\.(\d+)\."),
                patch_nums=list(patch_nums))


def vae_shapes(h):
    ch, mult, nrb, Cvae = h["ch"], h["ch_mult"], h["num_res_blocks"], h["Cvae"]
    s = {}

    def conv(p, o, i, k):
        s[p + ".weight"], s[p + ".bias"] = (o, i, k, k), (o,)

    def norm(p, c):
        s[p + ".weight"], s[p + ".bias"] = (c,), (c,)

    def res(p, i, o):
        norm(p + ".norm1", i), conv(p + ".conv1", o, i, 3), norm(p + ".norm2", o), conv(p + ".conv2", o, o, 3)
        if i != o:
            conv(p + ".nin_shortcut", o, i, 1)

    def attn(p, c):
        norm(p + ".norm", c), conv(p + ".qkv", 3 * c, c, 1), conv(p + ".proj_out", c, c, 1)

    def mid(p, c):
        res(p + ".block_1", c, c)
        if h["attn_lowest"]:
            attn(p + ".attn_1", c)
        res(p + ".block_2", c, c)

    n = len(mult)
    conv("encoder.conv_in", ch, 3, 3)
    c = ch
    for lvl in range(n):
        for b in range(nrb):
            res(f"encoder.down.{lvl}.block.{b}", c, ch * mult[lvl])
            c = ch * mult[lvl]
            if lvl == n - 1 and h["attn_lowest"]:
                attn(f"encoder.down.{lvl}.attn.{b}", c)
        if lvl != n - 1:
            conv(f"encoder.down.{lvl}.downsample.conv", c, c, 3)
    mid("encoder.mid", c), norm("encoder.norm_out", c), conv("encoder.conv_out", Cvae, c, 3)
    c = ch * mult[-1]
    conv("decoder.conv_in", c, Cvae, 3), mid("decoder.mid", c)
    for lvl in reversed(range(n)):
        for b in range(nrb + 1):
            res(f"decoder.up.{lvl}.block.{b}", c, ch * mult[lvl])
            c = ch * mult[lvl]
            if lvl == n - 1 and h["attn_lowest"]:
                attn(f"decoder.up.{lvl}.attn.{b}", c)
        if lvl != 0:
            conv(f"decoder.up.{lvl}.upsample.conv", c, c, 3)
    norm("decoder.norm_out", c), conv("decoder.conv_out", 3, c, 3)
    s["quantize.embedding.weight"] = (h["vocab_size"], Cvae)
    for k in range(h["share_quant_resi"]):
        conv(f"quantize.quant_resi.qresi_ls.{k}", Cvae, Cvae, 3)
    conv("quant_conv", Cvae, Cvae, 3), conv("post_quant_conv", Cvae, Cvae, 3)
    return s


def var_hparams(sd, patch_nums, num_heads=None):
    for k in ("word_embed.weight", "class_emb.weight", "head.weight"):
        if k not in sd:
            raise LayoutError(f"VAR checkpoint: missing tensor '{k}' (is this a class-conditional VAR state dict?)")
    if any(k.startswith("shared_ada_lin") or k.endswith("ada_gss") for k in sd):
        raise LayoutError("VAR checkpoint: shared_aln=True models (ada_gss) are not supported by varrl")
    L = sum(p * p for p in patch_nums)
    if "pos_1LC" in sd and sd["pos_1LC"].shape[1] != L:
        raise LayoutError(f"VAR checkpoint: pos_1LC holds {sd['pos_1LC'].shape[1]} tokens, the scales "
                          f"{','.join(map(str, patch_nums))} make {L} (pass the checkpoint's --patch-nums)")
    width, Cvae = sd["word_embed.weight"].shape
    depth = _count(sd, r"blocks\.(\d+)\.")
    l2 = "blocks.0.attn.scale_mul_1H11" in sd
    # VAR's builder uses heads = depth; an L2-normalised model says it in its per-head scale.
    heads = num_heads or (sd["blocks.0.attn.scale_mul_1H11"].shape[1] if l2 else depth)
    hidden = sd["blocks.0.ffn.fc1.weight"].shape[0]
    return dict(depth=depth, width=width, num_heads=heads, mlp_ratio=hidden / width, attn_l2_norm=l2,
                num_classes=sd["class_emb.weight"].shape[0] - 1, vocab_size=sd["head.weight"].shape[0], Cvae=Cvae,
                patch_nums=list(patch_nums))


def var_shapes(h):
    D, pn = h["width"], h["patch_nums"]
    L, SN, hid = sum(p * p for p in pn), len(pn), round(D * h["mlp_ratio"])
    s = {"word_embed.weight": (D, h["Cvae"]), "word_embed.bias": (D,), "class_emb.weight": (h["num_classes"] + 1, D),
         "pos_start": (1, pn[0] ** 2, D), "pos_1LC": (1, L, D), "lvl_embed.weight": (SN, D),
         "lvl_1L": (1, L), "attn_bias_for_masking": (1, 1, L, L),
         "head_nm.ada_lin.1.weight": (2 * D, D), "head_nm.ada_lin.1.bias": (2 * D,),
         "head.weight": (h["vocab_size"], D), "head.bias": (h["vocab_size"],)}
    for i in range(h["depth"]):
        p = f"blocks.{i}."
        if h["attn_l2_norm"]:
            s[p + "attn.scale_mul_1H11"] = (1, h["num_heads"], 1, 1)
        s.update({p + "attn.q_bias": (D,), p + "attn.v_bias": (D,), p + "attn.zero_k_bias": (D,),
                  p + "attn.mat_qkv.weight": (3 * D, D), p + "attn.proj.weight": (D, D), p + "attn.proj.bias": (D,),
                  p + "ffn.fc1.weight": (hid, D), p + "ffn.fc1.bias": (hid,), p + "ffn.fc2.weight": (D, hid),
                  p + "ffn.fc2.bias": (D,), p + "ada_lin.1.weight": (6 * D, D), p + "ada_lin.1.bias": (6 * D,)})
    return s


def check_layout(what, sd, shapes, dropped=()):
    """Raises LayoutError (one line) on the first unknown, missing or mis-shaped tensor."""
    for k in sorted(sd):
        if k not in shapes and k not in dropped:
            raise LayoutError(f"{what}: unexpected tensor '{k}' {tuple(sd[k].shape)}")
    for k in sorted(shapes):
        if k not in sd:
            raise LayoutError(f"{what}: missing tensor '{k}' (expected shape {shapes[k]})")
        if tuple(sd[k].shape) != tuple(shapes[k]):
            raise LayoutError(f"{what}: tensor '{k}' has shape {tuple(sd[k].shape)}, expected {tuple(shapes[k])}")


def config_yaml(vae, var, image_size, sampler):
    """The varrl config (keys over configs/defaults.yaml) of a converted VAR model."""
    down = 2 ** (len(vae["ch_mult"]) - 1)
    if image_size != vae["patch_nums"][-1] * down:
        raise LayoutError(f"image size {image_size} != last scale {vae['patch_nums'][-1]} x downsampling {down}")
    if var["Cvae"] != vae["Cvae"] or var["vocab_size"] != vae["vocab_size"]:
        raise LayoutError(f"VAR (Cvae {var['Cvae']}, V {var['vocab_size']}) does not fit the VQVAE "
                          f"(Cvae {vae['Cvae']}, V {vae['vocab_size']})")
    pn = ", ".join(f"[{p}, {p}]" for p in vae["patch_nums"])
    b = lambda x: "true" if x else "false"
    return f"""# FoundationVision/VAR checkpoint converted by scripts/convert_var.py (docs/var-checkpoints.md)
data:
  image_height: {image_size}
  image_width: {image_size}
tokenizer:
  ch: {vae['ch']}
  ch_mult: {list(vae['ch_mult'])}
  num_res_blocks: {vae['num_res_blocks']}
  attn_lowest: {b(vae['attn_lowest'])}
  Cvae: {vae['Cvae']}
  vocab_size: {vae['vocab_size']}
  beta: 0.25
  quant_resi: 0.5
  share_quant_resi: {vae['share_quant_resi']}
  patch_nums: [{pn}]
model:
  depth: {var['depth']}
  width: {var['width']}
  num_heads: {var['num_heads']}
  mlp_ratio: {var['mlp_ratio']}
  attn_l2_norm: {b(var['attn_l2_norm'])}
  cond: class
  num_classes: {var['num_classes']}
  init_std: {math.sqrt(1 / var['width'] / 3):.6g}
sampler:
  cfg: {sampler['cfg']}
  cfg_schedule: linear
  temperature: 1.0
  top_k: {sampler['top_k']}
  top_p: {sampler['top_p']}
"""
