#!/usr/bin/env bash
# What a lent GPU trains for issue 9 (README, "A larger teacher and a deeper
# student on a lent GPU"): two encoders pretrained side by side on the whole
# corpus, then fine-tuned side by side on every annotated paragraph (gold
# labels, no teachers):
#
#   the teacher: 8 layers × 512 (configs/pretrain-large.yaml) → runs/large13 (item 4);
#   a deeper student: 8 layers × 256 (configs/pretrain-deep.yaml), the largest
#   shape the speed benchmark measured at 200 paragraphs a second or more as
#   shipped → runs/deep13, a candidate default.
#
# The machine is bare and ../shared does not travel, so first, here:
#
#   python training/gpu/pack_shared.py      # writes .devdata/gpu (corpus, data, wheels)
#
# then through the device tool, carrying .devdata/gpu, from the repository
# root there:
#
#   bash training/gpu/lease.sh pretrain    # one call (timeout_s 480)
#   bash training/gpu/lease.sh finetune    # the next, at once, on the same warm
#                                          # machine, which keeps runs/ (timeout_s 480)
#
# and, in a lease with time left, the compact student taught by the teacher on
# the same machine (else here, on the CPU, from the teacher that came back):
#
#   bash training/gpu/lease.sh distill && bash training/gpu/lease.sh student
#
# Each pretraining stops at its config's time budget (3.5 minutes, about 5 with
# the corpus prepared) and anneals within it; each fine-tuning runs 3 epochs.
# None has been timed on a GPU yet: the CPU smoke run below is the only run so far.
# Results land in $OUT (the device tool's folder; runs/gpu-out elsewhere):
# logs, metrics, and each fine-tuned model as its int8 ONNX model in parts of
# at most 15 MiB (`cat large13.tar.part-* | tar -x -C runs` restores
# runs/large13 here, where the quality benchmark and the distillation run on
# the CPU at no device time); deep13 and the student likewise.
# Arguments after the stage are `--set` overrides of its envtag commands (both
# runs of a paired stage); the CPU smoke run shrinks the models and the steps:
#
#   bash training/gpu/lease.sh pretrain --set hidden_size=64 --set num_hidden_layers=2 \
#     --set num_attention_heads=2 --set intermediate_size=128 --set batch_size=8 --set time_budget_minutes=0.1
#   bash training/gpu/lease.sh finetune --set num_epochs=0.01
#   bash training/gpu/lease.sh distill --set paragraphs=300
#   bash training/gpu/lease.sh student --set num_epochs=0.01 --set teacher_paragraphs=50
set -euo pipefail

stage=${1:?usage: lease.sh pretrain|finetune|distill|student [--set key=value ...]}
shift
bundle=${ENVTAG_GPU_BUNDLE:-.devdata/gpu}
out=${OUT:-runs/gpu-out}
py=${PYTHON:-python3}
site=/tmp/envtag-site
mkdir -p "$out"

setup() {
  # ../shared as it is beside a checkout here; the packages the image lacks; envtag in place.
  [ -d ../shared/corpus ] || tar -xJf "$bundle/shared.tar.xz" -C ..
  export PYTHONPATH="$site:$PWD/inference:$PWD/training${PYTHONPATH:+:$PYTHONPATH}"
  if ! "$py" -c "import datasets, evaluate, opencc, pypinyin" 2>/dev/null; then
    "$py" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$site" \
      "$bundle"/wheels/*.whl
  fi
  "$py" -c "import datasets, envtag_train.cli, torch; print('envtag ready: torch', torch.__version__, 'cuda', torch.cuda.is_available())"
}

envtag() { "$py" -m envtag_train "$@"; }

logged() {
  # $1: a log name in $out; the rest, a command: its output goes to the log, and the
  # log's last lines to the terminal (the device tool's output_tail), more on failure.
  local log="$out/$1.log" rc=0
  shift
  "$@" > "$log" 2>&1 || rc=$?
  if [ "$rc" -eq 0 ]; then tail -n 3 "$log" | sed "s|^|$(basename "$log" .log): |"; else
    tail -n 30 "$log" | sed "s|^|$(basename "$log" .log) FAILED: |" >&2
  fi
  return "$rc"
}

keep() {
  # Copy a result to $out if the run wrote it (a run without an evaluation writes no MLM log).
  if [ -f "$1" ]; then cp "$1" "$2"; else echo "lease.sh: no $1" >&2; fi
}

side_by_side() {
  # Run two functions at once (the GPU has room for both); fail if either failed, after both end.
  local rc=0
  "$1" "${@:3}" &
  local first=$!
  "$2" "${@:3}" &
  wait "$!" || rc=$?
  wait "$first" || rc=$?
  return "$rc"
}

pretrain_one() {
  # $1: the encoder's name (configs/pretrain-$1.yaml → runs/pretrain-$1)
  local name=$1
  shift
  logged "pretrain-$name" envtag pretrain --config "configs/pretrain-$name.yaml" "$@"
  keep "runs/pretrain-$name/mlm_log.jsonl" "$out/pretrain-$name-mlm_log.jsonl"
  keep "runs/pretrain-$name/data/meta.json" "$out/pretrain-$name-meta.json"
}

finetune_one() {
  # $1: the run's name, $2: its encoder's name, then the recipe's overrides
  local run=$1 encoder=$2
  shift 2
  logged "$run" envtag train --config configs/default.yaml --set "base_model=runs/pretrain-$encoder/encoder" \
    --set teacher_paragraphs=0 --set seed=13 --set "output_dir=runs/$run" "$@"
  cp "runs/$run/metrics.json" "$out/$run-metrics.json"
  # The int8 ONNX model is what tags and what teaches (envtag distill); the
  # fp16 weights (57 MB for the teacher's shape) would not fit the way back.
  tar -C runs -cf - --exclude=model.safetensors --exclude=model.onnx "$run" | split -b 15M - "$out/$run.tar.part-"
}

pretrain_large() { pretrain_one large "$@"; }
pretrain_deep() { pretrain_one deep "$@"; }
# The teacher at a lower rate and a larger batch than the compact default's recipe;
# the deeper student at the compact default's own (3 epochs, batch 32, lr 2e-4).
finetune_large() {
  finetune_one large13 large --set num_epochs=3 --set batch_size=64 --set learning_rate=0.0001 "$@"
}
finetune_deep() { finetune_one deep13 deep "$@"; }

pretrain() { side_by_side pretrain_large pretrain_deep "$@"; }
finetune() { side_by_side finetune_large finetune_deep "$@"; }

distill() {
  # The teacher's soft labels taught to the compact encoder (scored on the GPU), the whole draw.
  envtag distill --config configs/distill.yaml --set "teachers=[runs/large13]" --set output_dir=runs/encoder-large \
    --set weak_time_budget_minutes=0 "$@" 2>&1 | tee "$out/distill.log"
}

student() {
  # The default's recipe on that encoder, taught by the large teacher: a candidate default.
  envtag train --config configs/default.yaml --set base_model=runs/encoder-large --set "teachers=[runs/large13]" \
    --set output_dir=runs/student-large13 "$@" 2>&1 | tee "$out/student.log"
  tar -C runs -cf - --exclude=model.onnx student-large13 | split -b 15M - "$out/student-large13.tar.part-"
}

case "$stage" in
  pretrain | finetune | distill | student)
    setup
    "$stage" "$@"
    ;;
  *)
    echo "lease.sh: unknown stage '$stage'; use pretrain, finetune, distill or student" >&2
    exit 2
    ;;
esac
