#!/usr/bin/env bash
# Reproduces the shipped default model models/default (tokenizer + VAR base policy) from nothing downloaded.
# The tokenizer is models/tokenizer-v0 (its recipe: docs/tokenizer.md); this script renders the base corpus and
# pretrains the policy on it. Wall time on the 2-core reference machine: docs/base-model.md.
#   STEPS=1500 OUT=models/default scripts/train-base.sh
set -euo pipefail
cd "$(dirname "$0")/.."
V=build/varrl
OUT=${OUT:-models/default}
DATA=${DATA:-runs/base-mono}
STEPS=${STEPS:-900}
STOP_AT=${STOP_AT:-0}   # end at this step on the LR schedule of STEPS (pretrain.stop_at); a later call resumes
N_TRAIN=${N_TRAIN:-20000}
# The CPU-scale task: one upper-case dictionary word of at most 10 letters per image, black DejaVu Sans Mono Bold at
# 20 px on white, left-aligned (render.style mono: letter k always in the same columns). The settings are saved in
# the model's config.yaml, so RL prompts and held-out evaluations use them too.
RENDER=(--set render.style=mono --set render.font_size_max=20 --set render.max_chars=10 --set render.max_words=1
        --set render.random_string_prob=0 --set render.uppercase_prob=1)
[ -f "$DATA/train/prompts.jsonl" ] || $V render --count "$N_TRAIN" --seed 11 --out "$DATA/train" "${RENDER[@]}" | tail -1
[ -f "$DATA/heldout/prompts.jsonl" ] || $V render --count 500 --seed 12 --heldout --out "$DATA/heldout" "${RENDER[@]}" | tail -1
RESUME=()
[ -f "$OUT/state/pretrain_state.json" ] && RESUME=(--resume)
$V pretrain --tokenizer models/tokenizer-v0 --data "$DATA/train" --out "$OUT" "${RENDER[@]}" \
  --set pretrain.steps="$STEPS" --set pretrain.stop_at="$STOP_AT" --set pretrain.batch_size=32 --set pretrain.ckpt_every=50 "${RESUME[@]}" | tail -1
