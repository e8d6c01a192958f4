#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/ with clang (needs `clang` and `libclang-rt-14-dev`, not part of the main
# build) and runs each for SECONDS (default 15) from the seeds in fuzz/corpus/<target>/. A crash leaves its input as
# build-fuzz/crash-*; keep it in tests/fuzz_regressions/<target>/ (tests/test_fuzz_regressions.cpp replays those).
#   scripts/fuzz.sh [SECONDS]   explore: each target for SECONDS from a corpus that grows across runs
#   scripts/fuzz.sh ci          the ctest run: a fixed seed and a fixed number of inputs per target from the committed
#                               seeds alone (≈ 10 s each), so a given commit passes or fails the same way every time
set -euo pipefail
cd "$(dirname "$0")/.."
MODE="${1:-15}"
CXX="${FUZZ_CXX:-clang++}"
OUT=build-fuzz
mkdir -p "$OUT/gen"
# The compiled-in defaults, generated as CMake does.
python3 - <<'PY'
tmpl = open("src/varrl/core/defaults_yaml.cpp.in").read()
for key, path in [("DEFAULTS", "configs/defaults.yaml"), ("PAPER", "configs/rl/paper.yaml"), ("DEMO", "configs/rl/demo.yaml")]:
    tmpl = tmpl.replace("@VARRL_%s_YAML@" % key, open(path).read())
open("build-fuzz/gen/defaults_yaml.cpp", "w").write(tmpl)
PY
FLAGS=(-std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Isrc)
CORE=(src/varrl/core/atomic_file.cpp src/varrl/core/checkpoint.cpp)
declare -A SRC=(
  [fuzz_safetensors]="src/varrl/core/safetensors.cpp"
  [fuzz_config]="src/varrl/core/config.cpp $OUT/gen/defaults_yaml.cpp"
  [fuzz_prompts]="src/varrl/data/prompt_record.cpp"
  [fuzz_external_reply]="src/varrl/reward/external_reply.cpp src/varrl/data/prompt_record.cpp"
)
declare -A LIBS=([fuzz_config]="-lyaml-cpp")
declare -A CI_RUNS=([fuzz_safetensors]=100000 [fuzz_config]=5000 [fuzz_prompts]=100000 [fuzz_external_reply]=200000)
status=0
TARGETS="${FUZZ_TARGETS:-fuzz_safetensors fuzz_config fuzz_prompts fuzz_external_reply}"
for t in $TARGETS; do
  # shellcheck disable=SC2086
  nice -n 10 "$CXX" "${FLAGS[@]}" "fuzz/$t.cpp" ${SRC[$t]} "${CORE[@]}" ${LIBS[$t]:-} -o "$OUT/$t"
  seeds=()
  [ -d "fuzz/corpus/$t" ] && seeds+=("fuzz/corpus/$t")
  [ -d "tests/fuzz_regressions/$t" ] && seeds+=("tests/fuzz_regressions/$t")
  if [ "$MODE" = ci ]; then
    corpus="corpus-ci/$t"; rm -rf "$OUT/$corpus"
    budget=(-runs="${CI_RUNS[$t]}" -seed=1)
    echo "[fuzz] $t: ${CI_RUNS[$t]} inputs, seed 1"
  else
    corpus="corpus/$t"
    budget=(-max_total_time="$MODE")
    echo "[fuzz] $t: $MODE s"
  fi
  mkdir -p "$OUT/$corpus"
  if ! (cd "$OUT" && nice -n 10 "./$t" "${budget[@]}" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
          "$corpus" "${seeds[@]/#/../}" 2>"$t.log"); then
    echo "[fuzz] $t FAILED: see $OUT/$t.log and $OUT/crash-*"; status=1
  fi
  grep -E "^#[0-9]+ +DONE|Done [0-9]+ runs" "$OUT/$t.log" | tail -1 || true
done
exit $status
