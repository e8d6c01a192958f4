#!/usr/bin/env bash
# Reproduces the shipped default model models/default (tokenizer + VAR base policy) from nothing downloaded.
# The tokenizer is models/tokenizer-v0 (its recipe: docs/tokenizer.md); this script renders the base corpus and
# pretrains the policy on it. Wall time on the 2-core reference machine: docs/base-model.md.
#   OUT=models/default scripts/train-base.sh
# Seven stages: (1) 900 steps from scratch on a corpus rendered with seed 11 (into $OUT-stage1), (2) 800 steps warm-started
# from stage 1 (`pretrain --init`, peak lr 4e-4, 50 warm-up steps) on a fresh corpus of the same words (seed 13),
# (3) 300 steps warm-started from stage 2 with self-correction (pretrain.self_correction 0.2: coarser codes flipped at
# random, later targets re-quantised to correct them; peak lr 2e-4, 20 warm-up steps) on a corpus rendered with seed 14,
# (4) 500 more self-correction steps warm-started from stage 3, same settings, on a corpus rendered with seed 15,
# (5) 500 more from stage 4, same settings, on a corpus rendered with seed 16, (6) 500 more from stage 5, same
# settings, on a corpus rendered with seed 17, (7) 500 more from stage 6, same settings, on a corpus rendered with
# seed 18 (stages 1-6 go to $OUT-stage1 ... $OUT-stage6, the last to $OUT).
# The model's sampler temperature is 0.5 (its config.yaml; measured best on 300 held-out prompts, docs/base-model.md).
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
STAGE1="$OUT-stage1"
RESUME=()
[ -f "$STAGE1/state/pretrain_state.json" ] && RESUME=(--resume)
$V pretrain --tokenizer models/tokenizer-v0 --data "$DATA/train" --out "$STAGE1" "${RENDER[@]}" \
  --set pretrain.steps="$STEPS" --set pretrain.stop_at="$STOP_AT" --set pretrain.batch_size=32 --set pretrain.ckpt_every=50 "${RESUME[@]}" | tail -1
[ "$STOP_AT" = 0 ] || exit 0   # stage 1 not finished yet: call again (it resumes)
STEPS2=${STEPS2:-800}
[ -f "$DATA/train2/prompts.jsonl" ] || $V render --count "$N_TRAIN" --seed 13 --out "$DATA/train2" "${RENDER[@]}" | tail -1
STAGE2="$OUT-stage2"
if [ -f "$STAGE2/state/pretrain_state.json" ]; then
  $V pretrain --data "$DATA/train2" --out "$STAGE2" --resume | tail -1
else
  $V pretrain --init "$STAGE1" --data "$DATA/train2" --out "$STAGE2" "${RENDER[@]}" --set pretrain.steps="$STEPS2" \
    --set pretrain.lr=0.0004 --set pretrain.warmup_steps=50 --set pretrain.batch_size=32 --set pretrain.ckpt_every=50 \
    --set sampler.temperature=0.5 | tail -1
fi
# Stages 3 to 7: self-correcting teacher forcing (docs/base-model.md), each on a fresh corpus of the training words.
self_correct() {  # $1 = init folder, $2 = out folder, $3 = corpus seed, $4 = steps
  local data="$DATA/train-seed$3"
  [ -f "$data/prompts.jsonl" ] || $V render --count "$N_TRAIN" --seed "$3" --out "$data" "${RENDER[@]}" | tail -1
  if [ -f "$2/state/pretrain_state.json" ]; then
    $V pretrain --data "$data" --out "$2" --resume | tail -1
  else
    $V pretrain --init "$1" --data "$data" --out "$2" --set pretrain.steps="$4" \
      --set pretrain.lr=0.0002 --set pretrain.warmup_steps=20 --set pretrain.batch_size=32 --set pretrain.ckpt_every=50 \
      --set pretrain.self_correction=0.2 | tail -1
  fi
}
STAGE3="$OUT-stage3"
self_correct "$STAGE2" "$STAGE3" 14 "${STEPS3:-300}"
STAGE4="$OUT-stage4"
self_correct "$STAGE3" "$STAGE4" 15 "${STEPS4:-500}"
STAGE5="$OUT-stage5"
self_correct "$STAGE4" "$STAGE5" 16 "${STEPS5:-500}"
STAGE6="$OUT-stage6"
self_correct "$STAGE5" "$STAGE6" 17 "${STEPS6:-500}"
self_correct "$STAGE6" "$OUT" 18 "${STEPS7:-500}"
# Stage 8 (optional, STAGE8=1; not shipped): 500 more from stage 7 on a seed-19 corpus into $OUT-stage8. It reads 0.701
# held-out reward, above the 0.2-0.6 band the shipped base is meant to stay in (docs/base-model.md, "Stage 8").
[ "${STAGE8:-0}" = 1 ] && self_correct "$OUT" "$OUT-stage8" 19 "${STEPS8:-500}"
exit 0
