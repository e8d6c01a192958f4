#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/ with clang (needs `clang` and `libclang-rt-14-dev`, not part of the main
# build) and runs each for SECONDS (default 15) from the seeds in fuzz/corpus/<target>/. A crash leaves its input as
# build-fuzz/crash-*; keep it in tests/fuzz_regressions/<target>/ (tests/test_fuzz_regressions.cpp replays those).
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${1:-15}"
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
  [fuzz_external_reply]="src/varrl/reward/external_reply.cpp"
)
declare -A LIBS=([fuzz_config]="-lyaml-cpp")
status=0
TARGETS="${FUZZ_TARGETS:-fuzz_safetensors fuzz_config fuzz_prompts fuzz_external_reply}"
for t in $TARGETS; do
  # shellcheck disable=SC2086
  nice -n 10 "$CXX" "${FLAGS[@]}" "fuzz/$t.cpp" ${SRC[$t]} "${CORE[@]}" ${LIBS[$t]:-} -o "$OUT/$t"
  mkdir -p "$OUT/corpus/$t"
  seeds=()
  [ -d "fuzz/corpus/$t" ] && seeds+=("fuzz/corpus/$t")
  [ -d "tests/fuzz_regressions/$t" ] && seeds+=("tests/fuzz_regressions/$t")
  echo "[fuzz] $t: ${SECONDS_EACH} s"
  if ! (cd "$OUT" && nice -n 10 "./$t" -max_total_time="$SECONDS_EACH" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
          "corpus/$t" "${seeds[@]/#/../}" 2>"$t.log"); then
    echo "[fuzz] $t FAILED: see $OUT/$t.log and $OUT/crash-*"; status=1
  fi
  grep -E "^#[0-9]+ +DONE|Done [0-9]+ runs" "$OUT/$t.log" | tail -1 || true
done
exit $status
