#!/bin/bash
# What truncating vectors costs with and without Matryoshka training (docs/serving.md, "What truncation costs").
# Trains configs/truncation-study.yaml twice (as is, and with matryoshka [64, 128, 256]), then evaluates both models
# at full size and truncated to 128, 64 and 32 components on STS (STSBenchmark) and retrieval (Cranfield).
# The two arms run side by side, one thread each, nice 10; resumable (finished trainings and evaluations are skipped).
# Usage (from the repository root): tools/run_truncation_study.sh [CLI]   CLI: the llm-embed command (default: the Release build)
set -euo pipefail
CLI=${1:-src/LlmEmbed.Cli/bin/Release/net10.0/linux-x64/llm-embed}
OUT=runs/truncation
TASKS=(STSBenchmark Cranfield)
SIZES=(full 128 64 32)
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
run() { nice -n 10 $CLI "$@"; }

arm() {
  local arm=$1 extra=()
  [ "$arm" = matryoshka ] && extra=(--set "matryoshka=[64, 128, 256]")
  if [ ! -f "$OUT/$arm/model/embedding_config.json" ]; then
    run train --config configs/truncation-study.yaml --set "output=$OUT/$arm" "${extra[@]}"
  fi
  for dims in "${SIZES[@]}"; do
    local folder="$OUT/eval/$arm-$dims" option=()
    [ -f "$folder/summary.md" ] && continue
    [ "$dims" != full ] && option=(--dimensions "$dims")
    run evaluate --model "$OUT/$arm/model" --tasks "$(IFS=,; echo "${TASKS[*]}")" --instructions none \
      --batch-size 64 --cache "$OUT/eval/cache-$arm" --output "$folder" "${option[@]}"
  done
}

mkdir -p "$OUT"
arm plain > "$OUT/plain.log" 2>&1 &
arm matryoshka > "$OUT/matryoshka.log" 2>&1 &
wait
# One table: main score per task, arm and size.
printf 'arm size %s\n' "${TASKS[*]}"
for arm in plain matryoshka; do
  for dims in "${SIZES[@]}"; do
    printf '%s %s' "$arm" "$dims"
    for task in "${TASKS[@]}"; do
      printf ' %s' "$(grep -o '"main_score": [0-9.]*' "$OUT/eval/$arm-$dims/$task.json" | head -1 | cut -d' ' -f2)"
    done
    echo
  done
done
