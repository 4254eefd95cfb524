#!/usr/bin/env bash
# A larger teacher on a lent GPU (issue 9, item 4): an 8-layer, 512-hidden
# encoder pretrained on the whole corpus (configs/pretrain-large.yaml), then
# fine-tuned on every annotated paragraph (configs/default.yaml without
# teachers). The machine is bare and ../shared does not travel, so first, here:
#
#   python training/gpu/pack_shared.py      # writes .devdata/gpu (corpus, data, wheels)
#
# then through the device tool, carrying .devdata/gpu, from the repository
# root there (README, "A larger teacher on a lent GPU"):
#
#   bash training/gpu/large_teacher.sh pretrain    # one call (timeout_s 480)
#   bash training/gpu/large_teacher.sh teacher     # the next, at once, on the same warm
#                                                  # machine, which keeps runs/ (timeout_s 480)
#
# and, in a lease with time left, the student on the same machine (else here,
# on the CPU, from the teacher that came back):
#
#   bash training/gpu/large_teacher.sh distill && bash training/gpu/large_teacher.sh student
#
# The pretraining stops at its config's time budget (3.5 minutes, about 5 with
# the corpus prepared); the fine-tuning runs 3 epochs. Neither has been timed
# on a GPU yet: the CPU smoke run below is the only run so far.
# Results land in $OUT (the device tool's folder; runs/gpu-out elsewhere):
# logs, the teacher's metrics, and the teacher itself as its int8 ONNX model
# in parts of at most 15 MiB (`cat large13.tar.part-* | tar -x -C runs`
# restores runs/large13 here, where the quality benchmark and the
# distillation run on the CPU at no device time); the student likewise.
# Arguments after the stage are `--set` overrides of its envtag command;
# the CPU smoke run shrinks the model and the steps:
#
#   bash training/gpu/large_teacher.sh pretrain --set hidden_size=64 --set num_hidden_layers=2 \
#     --set num_attention_heads=2 --set intermediate_size=128 --set batch_size=8 --set max_steps=6
#   bash training/gpu/large_teacher.sh teacher --set num_epochs=0.01
#   bash training/gpu/large_teacher.sh distill --set paragraphs=300
#   bash training/gpu/large_teacher.sh student --set num_epochs=0.01 --set teacher_paragraphs=50
set -euo pipefail

stage=${1:?usage: large_teacher.sh pretrain|teacher|distill|student [--set key=value ...]}
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

pretrain() {
  envtag pretrain --config configs/pretrain-large.yaml "$@" 2>&1 | tee "$out/pretrain.log"
  cp runs/pretrain-large/mlm_log.jsonl runs/pretrain-large/data/meta.json "$out/"
}

teacher() {
  envtag train --config configs/default.yaml --set base_model=runs/pretrain-large/encoder \
    --set teacher_paragraphs=0 --set num_epochs=3 --set batch_size=64 --set learning_rate=0.0001 \
    --set seed=13 --set output_dir=runs/large13 "$@" 2>&1 | tee "$out/teacher.log"
  cp runs/large13/metrics.json "$out/large13-metrics.json"
  # The int8 ONNX model is what tags and what teaches (envtag distill); the
  # fp16 weights (57 MB for its shape) would not fit the way back.
  tar -C runs -cf - --exclude=model.safetensors --exclude=model.onnx large13 | split -b 15M - "$out/large13.tar.part-"
}

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
  pretrain | teacher | distill | student)
    setup
    "$stage" "$@"
    ;;
  *)
    echo "large_teacher.sh: unknown stage '$stage'; use pretrain, teacher, distill or student" >&2
    exit 2
    ;;
esac
