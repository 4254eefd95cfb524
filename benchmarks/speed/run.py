"""Speed benchmark of the tagging path: throughput, cold start, memory, int8 quality.

    .venv/bin/python benchmarks/speed/run.py [--model models/default] [--n 5000] [--out benchmarks/speed/results.md]
        [--stages throughput,rss,quality]

In one run, on this machine:

* **Throughput**, end to end (read a .txt file → clean → tokenise → infer →
  write JSONL), of the real ``envtag tag`` command run as a subprocess, on
  ``--n`` paragraphs drawn deterministically (seeded shuffle) from the
  non-empty lines of ``../shared/corpus/policy_corpus.jsonl``, for

  a. the model with ONNX Runtime int8 (its ``model.int8.onnx``: what ``envtag
     tag`` uses), run as shipped (``--jobs auto``: one single-threaded worker
     process per core) and in one process (``--jobs 1``),
  b. the same model in PyTorch fp32, in one process (a temporary copy of the directory without
     the ONNX files, so ``envtag tag`` falls back to PyTorch, i.e.
     ``backend="torch"``),
  c. a BERT-base-sized model, in one process (12 layers, hidden 768, 12 heads, intermediate
     3072, the same vocabulary; random init) in PyTorch fp32, saved as a
     temporary envtag model directory with the model's ``envtag.json`` and
     tokenizer. If the whole set would take longer than ``--base-budget-s``
     it is timed on the first ``--base-subset`` (≥ 500) of the same
     paragraphs, and (a) is timed on that subset too for the ratio.

  Each is timed with and without evidence sentences where that is cheap;
  the wall time includes process start-up and model loading. A second figure
  subtracts the start-up measured on a one-paragraph file with the same
  model, for steady-state throughput.
* **Cold start**: wall time of ``envtag tag`` on a one-paragraph file with
  the ONNX model (median of 3 after one warm-up run), and whether torch or
  transformers were imported.
* **Peak RSS** of ``envtag tag --no-evidence --jobs 1`` (one process) on 10k
  and 100k paragraphs (corpus paragraphs cycled), from ``/usr/bin/time -f %M``
  (else psutil); and the **memory of the process tree** of ``envtag tag
  --jobs 1`` and of the default ``--jobs auto`` (whose workers each hold a
  model) on the first size, with evidence, as summed PSS and RSS polled with
  psutil.
* **int8 vs fp32 macro-F1** on the content rows of ``silver_dev`` through
  ``Tagger.predict`` (``backend="onnx"`` vs ``backend="torch"``), scored by
  ``envtag_train.metrics.multilabel_report``.

Writes ``results.md`` and ``results.json`` (``--out``) and prints the tables.
``--stages throughput,rss,quality`` runs a part only (e.g. to keep each job
short on a shared machine); a partial run updates the existing JSON of the
same model and sample, and the report lists every command that contributed.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SHARED = REPO.parent / "shared"
DEFAULT_CORPUS = SHARED / "corpus" / "policy_corpus.jsonl"
DEFAULT_DEV = SHARED / "data" / "silver_dev.jsonl"
TIME_BIN = "/usr/bin/time"

TARGETS = {
    "default_par_s": 150.0,
    "speedup_vs_bert_base": 30.0,
    "int8_f1_drop": 0.005,
    "cold_start_s": 1.5,
    "rss_ratio_100k_10k": 1.2,
}


# --------------------------------------------------------------------- inputs
def corpus_paragraphs(path: Path) -> list[str]:
    """Non-empty lines of the documents of a corpus JSONL file, in file order."""
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            for par in json.loads(line)["text"].split("\n"):
                par = par.replace("\r", " ").strip()
                if par:
                    out.append(par)
    return out


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for mod in ("onnxruntime", "torch", "transformers", "tokenizers", "numpy"):
        try:
            versions[mod] = __import__(mod).__version__
        except Exception:  # noqa: BLE001 - report what is there
            versions[mod] = None
    return {
        "nproc": os.cpu_count(),
        "loadavg_1min_at_start": round(os.getloadavg()[0], 2),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
    }


# --------------------------------------------------------------- model dirs
def torch_copy(model: Path, target: Path) -> Path:
    """The model directory without its ONNX files (so ``envtag tag`` uses PyTorch)."""
    target.mkdir(parents=True)
    for f in model.iterdir():
        if f.is_file() and not f.name.endswith(".onnx"):
            (target / f.name).symlink_to(f.resolve())
    return target


def bert_base_dir(model: Path, target: Path) -> Path:
    """A random-init BERT-base-sized envtag model with ``model``'s vocab, labels and settings."""
    return random_model_dir(model, target, Shape(12, 768), positions=512)


@dataclass(frozen=True)
class Shape:
    """An encoder's size: layers × hidden (heads of 64 dimensions, intermediate 4 × hidden)."""

    layers: int
    hidden: int

    @classmethod
    def parse(cls, text: str) -> Shape:
        layers, _, hidden = text.strip().lower().partition("x")
        if not (layers.isdigit() and hidden.isdigit() and int(hidden) % 64 == 0 and int(layers) > 0):
            raise SystemExit(f"--shapes: {text!r} is not LAYERSxHIDDEN with HIDDEN a multiple of 64 (e.g. 8x256)")
        return cls(int(layers), int(hidden))

    def __str__(self) -> str:
        return f"{self.layers}L/{self.hidden}H"


def random_model_dir(model: Path, target: Path, shape: Shape, positions: int | None = None) -> Path:
    """A random-init envtag model of ``shape`` with ``model``'s vocab, labels, settings and
    (unless ``positions``) position count: its speed is that of a trained model of the
    shape, since the weights' values do not change the work."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    src = json.loads((model / "config.json").read_text(encoding="utf-8"))
    id2label = {int(k): v for k, v in src["id2label"].items()}
    config = BertConfig(
        vocab_size=src["vocab_size"],
        hidden_size=shape.hidden,
        num_hidden_layers=shape.layers,
        num_attention_heads=shape.hidden // 64,
        intermediate_size=4 * shape.hidden,
        max_position_embeddings=positions or src.get("max_position_embeddings", 512),
        pad_token_id=src.get("pad_token_id", 0),
        num_labels=len(id2label),
        id2label=id2label,
        label2id={v: k for k, v in id2label.items()},
        problem_type="multi_label_classification",
    )
    torch.manual_seed(0)
    BertForSequenceClassification(config).save_pretrained(target)
    for name in ("envtag.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        if (model / name).exists():
            shutil.copy(model / name, target / name)
    return target


# ------------------------------------------------------------------- running
def envtag_cmd() -> list[str]:
    script = Path(sys.executable).parent / "envtag"
    return [str(script)] if script.exists() else [sys.executable, "-m", "envtag.cli"]


def run_measured(cmd: list[str], timeout: float = 3600) -> dict:
    """Run a command; its wall time and peak RSS (MiB). Raises on failure."""
    if Path(TIME_BIN).exists():
        with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
            t0 = time.perf_counter()
            proc = subprocess.run(
                [TIME_BIN, "-f", "%M", "-o", tf.name, *cmd], capture_output=True, text=True, timeout=timeout
            )
            wall = time.perf_counter() - t0
            lines = [x for x in Path(tf.name).read_text().splitlines() if x.strip()]
            rss_kb = int(lines[-1]) if lines and lines[-1].strip().isdigit() else None
    else:  # poll with psutil
        import psutil

        t0 = time.perf_counter()
        p = psutil.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        peak = 0
        while p.poll() is None:
            with contextlib.suppress(psutil.Error):
                peak = max(peak, p.memory_info().rss)
            time.sleep(0.05)
        wall = time.perf_counter() - t0
        out, err = p.communicate()
        proc = subprocess.CompletedProcess(cmd, p.returncode, out, err)
        rss_kb = peak // 1024
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    return {"wall_s": wall, "peak_rss_mib": None if rss_kb is None else rss_kb / 1024}


def run_measured_tree(cmd: list[str], timeout: float = 3600) -> dict:
    """Run a command; its wall time and the peak, over time, of the memory its
    whole process tree holds (MiB), polled with psutil every 0.1 s.

    ``--jobs N`` starts worker processes that each load a model: the main
    process's peak alone would hide them. Two sums are kept: RSS (pages shared
    between the processes, such as the Python runtime, count once per process)
    and PSS (shared pages split among their sharers, so the sum is what the
    tree costs the machine)."""
    import psutil

    t0 = time.perf_counter()
    p = psutil.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak_rss = peak_pss = 0
    peak_procs = 1
    while p.poll() is None:
        with contextlib.suppress(psutil.Error):
            procs = [p, *p.children(recursive=True)]
            rss = pss = 0
            for proc in procs:
                with contextlib.suppress(psutil.Error):
                    info = proc.memory_full_info()
                    rss, pss = rss + info.rss, pss + info.pss
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            peak_procs = max(peak_procs, len(procs))
        if time.perf_counter() - t0 > timeout:
            p.kill()
        time.sleep(0.1)
    wall = time.perf_counter() - t0
    _, err = p.communicate()
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): {err.strip()[-2000:]}")
    mib = 1024 * 1024
    return {
        "wall_s": wall,
        "peak_rss_sum_mib": peak_rss / mib,
        "peak_pss_sum_mib": peak_pss / mib,
        "processes": peak_procs,
    }


def tag(
    model: Path, src: Path, out: Path, evidence: bool = True, extra: tuple[str, ...] = (), tree: bool = False
) -> dict:
    """``envtag tag`` on ``src``, measured (``tree``: the memory of every process it starts)."""
    cmd = [*envtag_cmd(), "tag", str(src), "--model", str(model), "-o", str(out), *extra]
    if not evidence:
        cmd.append("--no-evidence")
    res = run_measured_tree(cmd) if tree else run_measured(cmd)
    with open(out, encoding="utf-8") as fh:
        res["records"] = sum(1 for _ in fh)
    return res


def throughput(
    name: str, model: Path, src: Path, n: int, work: Path, evidence: bool, startup_s: float, log, jobs: str = ""
) -> dict:
    """``envtag tag`` as a user runs it (``jobs=""``: the default, one worker per core) or with ``--jobs``."""
    res = tag(model, src, work / "out.jsonl", evidence=evidence, extra=("--jobs", jobs) if jobs else ())
    if res["records"] != n:
        raise RuntimeError(f"{name}: {res['records']} output records for {n} paragraphs")
    res.update(
        name=name,
        paragraphs=n,
        evidence=evidence,
        startup_s=startup_s,
        par_s=n / res["wall_s"],
        par_s_steady=n / max(res["wall_s"] - startup_s, 1e-9),
    )
    log(
        f"  {name:<34} {n:>6} par  evidence={'on ' if evidence else 'off'} {res['wall_s']:7.1f} s  "
        f"{res['par_s']:7.1f} par/s  ({res['par_s_steady']:.1f} excl. start-up)"
    )
    return res


def startup(model: Path, one: Path, work: Path, repeats: int = 3) -> dict:
    """Median wall time of ``envtag tag`` on a one-paragraph file (after a warm-up run)."""
    tag(model, one, work / "one.jsonl")
    walls = [tag(model, one, work / "one.jsonl")["wall_s"] for _ in range(repeats)]
    return {"median_s": statistics.median(walls), "runs_s": walls}


DRIVER = """
import sys
from envtag.cli import app
try:
    app(sys.argv[1:])
except SystemExit as exc:
    assert not exc.code, exc.code
print(sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'transformers', 'onnxruntime'}))
"""


def imported_modules(model: Path, one: Path, work: Path) -> list[str]:
    args = ["tag", str(one), "--model", str(model), "-o", str(work / "one.jsonl")]
    proc = subprocess.run([sys.executable, "-c", DRIVER, *args], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1].replace("'", '"'))


# ------------------------------------------------------------------- quality
def int8_vs_fp32(model: Path, dev: Path) -> dict:
    import numpy as np

    from envtag.tagger import Tagger
    from envtag_train.metrics import multilabel_report

    rows = [json.loads(line) for line in dev.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if r.get("content", True)]
    out = {"rows": len(rows)}
    for backend in ("onnx", "torch"):
        tagger = Tagger.from_pretrained(model, backend=backend)
        preds = tagger.predict([r["text"] for r in rows], evidence=False)
        y_true = np.array([[int(lab in r["labels"]) for lab in tagger.labels] for r in rows])
        y_pred = np.array([[int(lab in p.labels) for lab in tagger.labels] for p in preds])
        rep = multilabel_report(y_true, y_pred, tagger.labels)
        out[backend] = {
            "backend": tagger.backend.name,
            "macro_f1": rep["macro_f1"],
            "micro_f1": rep["micro_f1"],
            "scores": np.array([[p.scores[lab] for lab in tagger.labels] for p in preds]),
        }
    diff = np.abs(out["onnx"].pop("scores") - out["torch"].pop("scores"))
    out["max_abs_score_diff"] = float(diff.max())
    out["mean_abs_score_diff"] = float(diff.mean())
    out["f1_drop"] = out["torch"]["macro_f1"] - out["onnx"]["macro_f1"]
    return out


# ------------------------------------------------------------------- report
def fmt(x: float | None, digits: int = 1) -> str:
    return "–" if x is None else f"{x:,.{digits}f}"


def to_markdown(r: dict) -> str:
    m = r["runs"][-1]["machine"]
    lines = [
        "# Speed benchmark",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), Python {m['python']}, "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v)
        + ".  ",
        f"Model: `{r['model']}` ({r['model_desc']}); {r['n']:,} paragraphs drawn from `{r['corpus']}` "
        f"(seed {r['seed']}, mean {r['mean_chars']:.0f} characters).",
        "",
        "| command | stages | started | finished | load avg (1 min) at start / end |",
        "|---|---|---|---|---|",
    ]
    for run in r["runs"]:
        lines.append(
            f"| `{run['command']}` | {', '.join(run['stages'])} | {run['date']} | {run.get('finished', '–')} | "
            f"{run['machine']['loadavg_1min_at_start']} / {run.get('loadavg_1min_at_end', '–')} |"
        )
    lines.append("")
    lines.append(
        "The load average of an idle machine is about 0; each process busy on a core adds about 1 "
        "(the benchmark's own command adds about 1–2)."
    )
    notes = [run["note"] for run in r["runs"] if run.get("note")]
    lines += [f"**Note:** {n}" for n in dict.fromkeys(notes)]
    if "throughput" in r:
        lines += [
            "",
            "## Throughput (`envtag tag` end to end: read → clean → tokenise → infer → write JSONL)",
            "",
            "Wall time of the whole command, start-up and model loading included; the last column subtracts "
            "the start-up time of the same command on a one-paragraph file. Rows without `--jobs` run "
            "`envtag tag` as shipped (`--jobs auto`: one single-threaded worker process per core); "
            "`--jobs 1` rows run one process with the cores as ONNX Runtime / PyTorch threads.",
            "",
            "| run | model | backend | paragraphs | evidence | wall (s) | par/s | par/s excl. start-up |",
            "|---|---|---|---:|---|---:|---:|---:|",
        ]
        for t in r["throughput"]:
            lines.append(
                f"| {t['name']} | {t['model_desc']} | {t['backend']} | {t['paragraphs']:,}"
                f"{' (subset)' if t.get('subset') else ''} | {'yes' if t['evidence'] else 'no'} | "
                f"{fmt(t['wall_s'])} | {fmt(t['par_s'])} | {fmt(t['par_s_steady'])} |"
            )
        if r.get("base_note"):
            lines += ["", r["base_note"]]
    lines += ["", "## Cold start, memory, int8 quality", ""]
    if "cold_start" in r:
        c = r["cold_start"]
        lines.append(
            f"* Cold start (`envtag tag` on a one-paragraph file, ONNX model, median of 3 after a warm-up): "
            f"**{c['median_s']:.2f} s** (runs: {', '.join(f'{x:.2f}' for x in c['runs_s'])}); modules imported "
            f"among torch/transformers/onnxruntime: {', '.join(c['imported']) or 'none'}. "
            f"PyTorch fallback (same model without the ONNX file): {r['startup_torch_s']:.2f} s."
        )
    for k in r.get("rss", []):
        lines.append(
            f"* Peak RSS, `envtag tag --no-evidence --jobs 1` on {k['paragraphs']:,} paragraphs: "
            f"**{fmt(k['peak_rss_mib'])} MiB** ({fmt(k['wall_s'])} s, {fmt(k['par_s'])} par/s)"
        )
    for k in r.get("rss_tree", []):
        lines.append(
            f"* Peak memory of the process tree, `envtag tag --jobs {k['jobs']}` (evidence on) on "
            f"{k['paragraphs']:,} paragraphs, {k['processes']} process(es): **{fmt(k['peak_pss_sum_mib'])} MiB** "
            f"PSS summed (shared pages split), {fmt(k['peak_rss_sum_mib'])} MiB RSS summed "
            f"({fmt(k['wall_s'])} s, {fmt(k['par_s'])} par/s; psutil, polled every 0.1 s)"
        )
    if "quality" in r:
        q = r["quality"]
        lines.append(
            f"* silver_dev ({q['rows']} content rows), `Tagger.predict`: macro-F1 int8 ONNX "
            f"**{q['onnx']['macro_f1']:.4f}** vs PyTorch fp32 **{q['torch']['macro_f1']:.4f}** "
            f"(difference {-q['f1_drop']:+.4f}); micro-F1 {q['onnx']['micro_f1']:.4f} vs "
            f"{q['torch']['micro_f1']:.4f}; label scores differ by {q['mean_abs_score_diff']:.4f} on average, "
            f"{q['max_abs_score_diff']:.4f} at most."
        )
    if "jobs" in r:
        lines += ["", "## Worker processes (`envtag tag --jobs N`, ORT int8, with evidence)", ""]
        lines += ["| jobs | threads each | wall s | paragraphs/s | identical to jobs 1 |", "|---:|---:|---:|---:|---|"]
        for j in r["jobs"]:
            lines.append(
                f"| {j['jobs']} | {j['threads']} | {fmt(j['wall_s'])} | **{fmt(j['par_s'])}** | {j['identical']} |"
            )
    if "shapes" in r:
        lines += shapes_markdown(r["shapes"])
    lines += ["", "## Targets", "", "| target | measured | met |", "|---|---|---|"]
    for t in r["targets"]:
        lines.append(f"| {t['target']} | {t['measured']} | {'yes' if t['met'] else '**no**'} |")
    lines.append("")
    return "\n".join(lines)


def shapes_markdown(rows: list[dict]) -> list[str]:
    lines = [
        "",
        "## Larger students: speed by encoder shape (`--stages shapes`)",
        "",
        "`envtag tag` as shipped (int8 ONNX, `--jobs auto`, evidence on) on the same paragraphs, with "
        "random-init encoders of each shape: the model's vocabulary, labels and settings, heads of 64 "
        "dimensions, intermediate size 4 × hidden. The weights' values do not change the work, so each row "
        "is what a trained student of that shape would cost; none of them tags anything meaningful. Issue 9 "
        "keeps 200 par/s for the default, 150 for a larger student that wins on quality.",
        "",
        "| model | parameters (M) | int8 file (MB) | wall (s) | par/s | ≥ 200 | ≥ 150 |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for t in rows:
        lines.append(
            f"| {t['name']} | {t['params_m']:.1f} | {t['int8_mb']:.1f} | {fmt(t['wall_s'])} | {fmt(t['par_s'])} | "
            f"{'yes' if t['par_s'] >= 200 else 'no'} | {'yes' if t['par_s'] >= 150 else 'no'} |"
        )
    return lines


# --------------------------------------------------------------------- main
STAGES = ("throughput", "rss", "quality", "jobs")
OPTIONAL_STAGES = ("shapes",)  # run only when named: it builds and exports a model per shape
# The compact default's depth and width doubled in turn, both, and the GPU teacher's size.
DEFAULT_SHAPES = ("6x256", "8x256", "4x512", "6x384", "8x384", "8x512")


def run_throughput(args, model: Path, desc: str, result: dict, sample: list[str], work: Path, log) -> None:
    base_n = min(args.base_subset, args.n)
    src = write_lines(work / "sample.txt", sample)
    src_base = write_lines(work / "sample-base.txt", sample[:base_n])
    one = write_lines(work / "one.txt", [sample[0]])
    pt_model = torch_copy(model, work / "model-torch")
    log("building the BERT-base-sized model …")
    base_model = bert_base_dir(model, work / "bert-base")

    log("start-up (one-paragraph file, median of 3) …")
    cold = startup(model, one, work)
    cold["imported"] = imported_modules(model, one, work)
    st_torch = startup(pt_model, one, work, repeats=1)["median_s"]
    st_base = startup(base_model, one, work, repeats=1)["median_s"]
    result.update(cold_start=cold, startup_torch_s=st_torch, startup_base_s=st_base)
    log(f"  cold start {cold['median_s']:.2f} s ({cold['imported']}); torch {st_torch:.2f} s")

    log("throughput …")
    runs = []

    def add(res, model_desc, backend, role, subset=False):
        res.update(model_desc=model_desc, backend=backend, role=role, subset=subset)
        runs.append(res)
        return res

    mine = f"{result['model']} ({desc})"
    cs = cold["median_s"]
    add(throughput("(a) ORT int8", model, src, args.n, work, True, cs, log), mine, "ORT int8", "a_evidence")
    add(throughput("(a) ORT int8", model, src, args.n, work, False, cs, log), mine, "ORT int8", "a")
    # The rest run in one process (--jobs 1): the model's own speed, and a like-for-like BERT-base ratio.
    name = "(a) ORT int8, `--jobs 1`"
    add(throughput(name, model, src, args.n, work, True, cs, log, "1"), mine, "ORT int8", "a1_evidence")
    a_no = add(throughput(name, model, src, args.n, work, False, cs, log, "1"), mine, "ORT int8", "a1")
    name = "(b) PyTorch fp32, `--jobs 1`"
    add(throughput(name, pt_model, src, args.n, work, True, st_torch, log, "1"), mine, "PyTorch fp32", "b_ev")
    add(throughput(name, pt_model, src, args.n, work, False, st_torch, log, "1"), mine, "PyTorch fp32", "b")

    base_desc = "BERT-base size (12L/768H), random init"
    name = "(c) BERT-base PyTorch fp32, `--jobs 1`"
    c = add(
        throughput(name, base_model, src_base, base_n, work, False, st_base, log, "1"), base_desc, "PyTorch fp32", "c"
    )
    c["subset"] = base_n < args.n
    estimate = args.n / c["par_s_steady"] + st_base
    result["base_note"] = ""
    if base_n < args.n and estimate <= args.base_budget_s:
        runs.pop()
        c_run = throughput(name, base_model, src, args.n, work, False, st_base, log, "1")
        c = add(c_run, base_desc, "PyTorch fp32", "c")
        a_ref = a_no
    else:
        a_ref = add(
            throughput("(a) ORT int8, `--jobs 1`", model, src_base, base_n, work, False, cs, log, "1"),
            mine,
            "ORT int8",
            "a_subset",
            subset=base_n < args.n,
        )
        if base_n < args.n:
            result["base_note"] = (
                f"(c) on all {args.n:,} paragraphs would take about {estimate / 60:.0f} min here (over the "
                f"{args.base_budget_s / 60:.0f}-min budget), so it was timed on the first {base_n:,} of the same "
                f"paragraphs (marked *subset*); (a) was timed on the same subset for the speed-up ratio."
            )
    result["throughput"] = runs
    result["speedup_vs_bert_base"] = a_ref["par_s_steady"] / c["par_s_steady"]
    result["speedup_vs_bert_base_wall"] = a_ref["par_s"] / c["par_s"]
    log(f"  speed-up (a) / (c), no evidence: {result['speedup_vs_bert_base']:.0f}× excl. start-up")


def run_shapes(args, model: Path, result: dict, sample: list[str], work: Path, log) -> None:
    """``envtag tag`` as shipped (int8, ``--jobs auto``, evidence on) with random-init
    encoders of each ``--shapes`` size, beside the model itself: what a larger student
    would cost before anyone trains one (issue 9 keeps 200 par/s, 150 for a student
    that wins on quality)."""
    from safetensors.numpy import load_file

    from envtag.backends import ONNX_INT8
    from envtag_train.export import export_onnx

    src = write_lines(work / "sample.txt", sample)
    one = write_lines(work / "one.txt", [sample[0]])
    rows = []
    for shape in [None, *args.shapes]:
        if shape is None:
            target, desc = model, f"{result['model']} ({result['model_desc']}, trained)"
        else:
            log(f"building and exporting a random-init {shape} model …")
            target = random_model_dir(model, work / f"shape-{shape.layers}x{shape.hidden}", shape)
            export_onnx(target, quantize=True)
            desc = f"{shape}, random init"
        params = sum(w.size for w in load_file(target / "model.safetensors").values())
        st = startup(target, one, work, repeats=1)["median_s"]
        res = throughput(desc, target, src, args.n, work, True, st, log)
        res.update(params_m=params / 1e6, int8_mb=(target / ONNX_INT8).stat().st_size / 1e6)
        rows.append(res)
    result["shapes"] = rows


def run_jobs(args, model: Path, result: dict, sample: list[str], work: Path, log) -> None:
    """``envtag tag --jobs N`` for N = 1 … cores, with evidence; checks the records match."""
    from envtag.parallel import available_cores  # the cores `envtag tag --jobs` divides, not the machine's

    src = write_lines(work / "sample.txt", sample)
    cores = available_cores()
    rows, first = [], None
    for jobs in sorted({1, 2, *(n for n in (4, 8, 16) if n <= cores)}):
        out = work / f"jobs{jobs}.jsonl"
        res = tag(model, src, out, evidence=True, extra=("--jobs", str(jobs)))
        content = out.read_bytes()
        first = first if first is not None else content
        row = {"jobs": jobs, "threads": max(1, cores // jobs), "wall_s": res["wall_s"], "identical": content == first}
        row["par_s"] = len(sample) / res["wall_s"]
        rows.append(row)
        log(f"  --jobs {jobs}: {row['par_s']:.1f} par/s, identical to --jobs 1: {row['identical']}")
    result["jobs"] = rows


def run_rss(args, model: Path, result: dict, pool: list[str], order: list[int], work: Path, log) -> None:
    log("peak RSS …")
    rss = []
    for size in args.rss_sizes:
        big = write_lines(work / f"rss-{size}.txt", [pool[order[i % len(order)]] for i in range(size)])
        res = tag(model, big, work / "rss.jsonl", evidence=False, extra=("--jobs", "1"))
        if res["records"] != size:
            raise RuntimeError(f"RSS run: {res['records']} output records for {size} paragraphs")
        res.update(paragraphs=size, par_s=size / res["wall_s"])
        rss.append(res)
        big.unlink()
        log(f"  {size:>7} paragraphs: {res['peak_rss_mib']:.0f} MiB, {res['wall_s']:.1f} s")
    result["rss"] = rss
    result["rss_ratio"] = None
    if len(rss) >= 2 and rss[0]["peak_rss_mib"] and rss[-1]["peak_rss_mib"]:
        result["rss_ratio"] = rss[-1]["peak_rss_mib"] / rss[0]["peak_rss_mib"]
    result["rss_tree"] = [rss_tree(model, pool, order, args.rss_sizes[0], jobs, work, log) for jobs in ("1", "auto")]


def rss_tree(model: Path, pool: list[str], order: list[int], size: int, jobs: str, work: Path, log) -> dict:
    """Memory of ``envtag tag --jobs JOBS`` (evidence on, as shipped) over its process tree."""
    src = write_lines(work / f"tree-{size}.txt", [pool[order[i % len(order)]] for i in range(size)])
    res = tag(model, src, work / "tree.jsonl", extra=("--jobs", jobs), tree=True)
    src.unlink()
    if res["records"] != size:
        raise RuntimeError(f"process-tree memory run: {res['records']} output records for {size} paragraphs")
    res.update(paragraphs=size, jobs=jobs, par_s=size / res["wall_s"])
    log(
        f"  --jobs {jobs}, {size} paragraphs, {res['processes']} processes: PSS {res['peak_pss_sum_mib']:.0f} MiB, "
        f"RSS {res['peak_rss_sum_mib']:.0f} MiB summed"
    )
    return res


def targets(r: dict) -> list[dict]:
    out = []
    runs = {t["role"]: t for t in r.get("throughput", [])}
    if runs:
        a_ev, a_no = runs["a_evidence"], runs["a"]
        out.append(
            {
                "target": f"≥ {TARGETS['default_par_s']:.0f} par/s end to end, ORT int8 (evidence on, wall)",
                "measured": f"{a_ev['par_s']:.1f} par/s (no evidence: {a_no['par_s']:.1f})"
                + (
                    f"; `--jobs 1`: {runs['a1_evidence']['par_s']:.1f} ({runs['a1']['par_s']:.1f})"
                    if "a1" in runs
                    else ""
                ),
                "met": a_ev["par_s"] >= TARGETS["default_par_s"],
            }
        )
        sp = r["speedup_vs_bert_base"]
        out.append(
            {
                "target": f"≥ {TARGETS['speedup_vs_bert_base']:.0f}× BERT-base fp32 (no evidence, excl. start-up)",
                "measured": f"{sp:.1f}× ({r['speedup_vs_bert_base_wall']:.1f}× on wall time)",
                "met": sp >= TARGETS["speedup_vs_bert_base"],
            }
        )
    if "quality" in r:
        q = r["quality"]
        out.append(
            {
                "target": f"int8 macro-F1 within {TARGETS['int8_f1_drop']} of fp32",
                "measured": f"{q['onnx']['macro_f1'] - q['torch']['macro_f1']:+.4f}",
                "met": abs(q["f1_drop"]) <= TARGETS["int8_f1_drop"],
            }
        )
    if "cold_start" in r:
        cs = r["cold_start"]["median_s"]
        out.append(
            {
                "target": f"cold start ≤ {TARGETS['cold_start_s']} s",
                "measured": f"{cs:.2f} s",
                "met": cs <= TARGETS["cold_start_s"],
            }
        )
    if "rss" in r:
        ratio = r.get("rss_ratio")
        out.append(
            {
                "target": f"peak RSS at 100k ≤ {TARGETS['rss_ratio_100k_10k']}× at 10k",
                "measured": "–" if ratio is None else f"{ratio:.2f}×",
                "met": ratio is not None and ratio <= TARGETS["rss_ratio_100k_10k"],
            }
        )
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", type=Path, default=REPO / "models" / "default")
    ap.add_argument("--n", type=int, default=5000, help="paragraphs for the throughput runs")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--dev", type=Path, default=DEFAULT_DEV)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--rss-sizes", type=int, nargs="*", default=[10_000, 100_000])
    ap.add_argument("--base-budget-s", type=float, default=480.0, help="time allowed for BERT-base on all --n")
    ap.add_argument("--base-subset", type=int, default=500, help="BERT-base paragraphs when over budget")
    ap.add_argument("--note", default="", help="a note on the run, printed in the report")
    ap.add_argument(
        "--stages",
        default=",".join(STAGES),
        help="comma-separated subset of throughput,rss,quality,jobs (default: all), or shapes (only when "
        "named); a partial run updates the existing --out JSON of the same model and sample and rewrites the report",
    )
    ap.add_argument(
        "--shapes",
        type=lambda v: [Shape.parse(x) for x in v.split(",") if x.strip()],
        default=[Shape.parse(x) for x in DEFAULT_SHAPES],
        help=f"encoder sizes LAYERSxHIDDEN for the shapes stage (default: {','.join(DEFAULT_SHAPES)})",
    )
    ap.add_argument("--out", type=Path, default=HERE / "results.md")
    args = ap.parse_args(argv)
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    stages = [x.strip() for x in args.stages.split(",") if x.strip()]
    if not stages or set(stages) - set(STAGES) - set(OPTIONAL_STAGES):
        raise SystemExit(f"--stages: choose from {', '.join(STAGES + OPTIONAL_STAGES)}")

    model = args.model.resolve()
    if not (model / "config.json").exists():
        raise SystemExit(f"{model}: not a model directory")
    from envtag.backends import ONNX_INT8

    if not (model / ONNX_INT8).exists():
        raise SystemExit(f"{model} has no {ONNX_INT8}; run `envtag export --model {args.model}` first")
    command = "python benchmarks/speed/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    mach = machine()
    run_info = {"command": command.strip(), "stages": stages, "date": _now(), "machine": mach, "note": args.note}
    key = {
        "model": os.path.relpath(model, REPO) if model.is_relative_to(REPO) else str(model),
        "n": args.n,
        "seed": args.seed,
        "corpus": os.path.relpath(args.corpus, REPO),
    }
    json_out = args.out.with_suffix(".json")
    result: dict = dict(key)
    if set(stages) != set(STAGES) and json_out.exists():
        previous = json.loads(json_out.read_text(encoding="utf-8"))
        if all(previous.get(k) == v for k, v in key.items()):
            result = {k: v for k, v in previous.items() if k not in ("targets",)}
        else:
            log(f"{json_out} holds another model or sample; starting a new report")
    # runs whose every stage is re-run now are superseded
    result["runs"] = [*(r for r in result.get("runs", []) if set(r["stages"]) - set(stages)), run_info]
    cfg = json.loads((model / "config.json").read_text(encoding="utf-8"))
    desc = f"{cfg['num_hidden_layers']}L/{cfg['hidden_size']}H"
    result["model_desc"] = desc
    log(f"speed benchmark: model {key['model']} ({desc}), {mach['nproc']} CPUs, stages {', '.join(stages)}")

    pool = corpus_paragraphs(args.corpus)
    order = list(range(len(pool)))
    random.Random(args.seed).shuffle(order)
    sample = [pool[i] for i in order[: args.n]]
    if len(sample) < args.n:
        raise SystemExit(f"the corpus has only {len(sample)} paragraphs")
    result["mean_chars"] = sum(map(len, sample)) / len(sample)

    with tempfile.TemporaryDirectory(prefix="envtag-speed-") as tmp:
        work = Path(tmp)
        if "throughput" in stages:
            run_throughput(args, model, desc, result, sample, work, log)
        if "rss" in stages:
            run_rss(args, model, result, pool, order, work, log)
        if "jobs" in stages:
            run_jobs(args, model, result, sample, work, log)
        if "shapes" in stages:
            run_shapes(args, model, result, sample, work, log)
    if "quality" in stages:
        log("int8 vs fp32 on silver_dev …")
        q = int8_vs_fp32(model, args.dev)
        result["quality"] = q
        log(f"  macro-F1 int8 {q['onnx']['macro_f1']:.4f} fp32 {q['torch']['macro_f1']:.4f}")
    run_info["loadavg_1min_at_end"] = round(os.getloadavg()[0], 2)
    run_info["finished"] = _now()
    result["targets"] = targets(result)

    md = to_markdown(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(md, encoding="utf-8")
    json_out.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    print(md)
    return result


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


if __name__ == "__main__":
    main()
