#!/usr/bin/env bash
# The ablation of docs/ablation.md: each point trains the reference recipe (experiments/ablation/base.yaml) with one
# change and evaluates it on the STS and retrieval sets. Resumable: a point whose evaluation is complete is skipped,
# a training run interrupted is resumed. Usage: tools/run_ablation.sh [POINT ...] (default: every point below).
# Results: runs/ablation/POINT/{model,eval}; tools/summarize_ablation.py prints the table.
set -euo pipefail
cd "$(dirname "$0")/.."
cli=(src/LlmEmbed.Cli/bin/Release/net10.0/linux-x64/llm-embed)
tasks=STS12,STS13,STS14,STS15,STS16,STSBenchmark,SciFact,Cranfield
declare -A points=(
  [lora-150]=""
  [full-150]="--set model.lora.enabled=false --set model.full_fine_tuning=true --set learning_rate=1e-4"
  [full-600]="--set model.lora.enabled=false --set model.full_fine_tuning=true --set learning_rate=1e-4 --set max_steps=600 --set warmup_steps=60"
  [lora-600]="--set max_steps=600 --set warmup_steps=60"
  [lora-150-v1]="--set model.base_model=runs/ablation/base-v1"
  [lora-150-alldata]="--set files.5.path=../shared/data/training/banking77_train_pairs.jsonl --set files.6.path=../shared/data/training/scifact_train.jsonl --set files.6.weight=2"
  [simcse-150]="--set files.5.path=runs/ablation/simcse-texts.txt --set files.5.simcse=true"
)
# SimCSE's plain texts: Brown-corpus sentences of 6–40 words (the pretraining corpus, no evaluation text), 20,000.
simcse_texts() {
  local f=runs/ablation/simcse-texts.txt
  [ -f "$f" ] || { mkdir -p runs/ablation; awk 'NF>=6 && NF<=40' ../shared/data/pretrain/brown.txt | head -n 20000 > "$f"; }
}
# Base v1 (the base-quality point): the committed weights before v2 replaced them.
base_v1() {
  local d=runs/ablation/base-v1
  [ -f "$d/model.safetensors" ] && return
  mkdir -p "$d"
  for f in config.json model.safetensors tokenizer.json tokenizer_config.json; do git show 2a67993~1:models/llm-embed-base/$f > "$d/$f"; done
}
run_point() {
  local name=$1 dir=runs/ablation/$1
  if [ -f "$dir/eval/done" ]; then echo "[$name] done"; return; fi
  mkdir -p "$dir"
  if [ ! -f "$dir/model/embedding_config.json" ]; then
    local resume=""; [ -d "$dir/checkpoints" ] && resume=--resume
    # shellcheck disable=SC2086
    "${cli[@]}" train --config experiments/ablation/base.yaml --set output="$dir" ${points[$name]} $resume
  fi
  "${cli[@]}" evaluate --model "$dir/model" --tasks "$tasks" --output "$dir/eval" --cache "" --max-length 256 --batch-size 64
  touch "$dir/eval/done"
}
names=("$@"); [ ${#names[@]} -eq 0 ] && names=(lora-150 full-150 lora-150-v1 full-600 lora-600 lora-150-alldata simcse-150)
simcse_texts; base_v1
for n in "${names[@]}"; do run_point "$n"; done
