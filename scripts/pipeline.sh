#!/usr/bin/env bash
# The whole chain at a small, bounded scale (about 15 minutes on 2 cores), from nothing downloaded:
#   render a corpus → train + evaluate the tokenizer → pretrain the VAR policy → sample → score → GRPO+VMR+PANW+MP.
# Everything lands in runs/pipeline/. Scale it up with the environment variables below.
set -euo pipefail
cd "$(dirname "$0")/.."
V=build/varrl
OUT=${OUT:-runs/pipeline}
N_TRAIN=${N_TRAIN:-4000}
TOK_STEPS=${TOK_STEPS:-300}
PRE_STEPS=${PRE_STEPS:-150}
RL_STEPS=${RL_STEPS:-4}
mkdir -p "$OUT"

$V render --count "$N_TRAIN" --seed 1 --out "$OUT/data/train" | tail -1
$V render --count 200 --seed 2 --heldout --out "$OUT/data/heldout" | tail -1
$V tokenizer train --data "$OUT/data/train" --out "$OUT/model" --set tokenizer_train.steps="$TOK_STEPS" | tail -1
$V tokenizer eval --ckpt "$OUT/model" --data "$OUT/data/heldout" | tail -1
$V pretrain --tokenizer "$OUT/model" --data "$OUT/data/train" --out "$OUT/model" \
   --set pretrain.steps="$PRE_STEPS" --set pretrain.batch_size=16 | tail -1
$V sample --ckpt "$OUT/model" --prompts "$OUT/data/heldout/prompts.jsonl" --limit 4 --n 6 --out "$OUT/samples.png" | tail -1
$V reward --prompts "$OUT/data/heldout/prompts.jsonl" --no-metrics | tail -1
$V rl --out "$OUT/rl" --set rl.base="$OUT/model" --set rl.steps="$RL_STEPS" \
   --set rl.prompts_per_step=2 --set rl.group_size=4 | tail -1
echo "pipeline done: $OUT (samples.png, model/, rl/metrics.jsonl)"
