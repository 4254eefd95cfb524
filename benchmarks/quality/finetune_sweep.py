"""GPU hyper-parameter sweep for fine-tuning (selection only; the shipped model
is retrained on CPU with `envtag train`). Mirrors envtag's recipe: weighted BCE,
linear warmup/decay, best epoch on dev macro-F1@0.5, per-label thresholds tuned
on dev, long paragraphs windowed on sentences and max-pooled.

Run from the repository root after preparing its inputs:
  python benchmarks/quality/finetune_sweep.py --prepare   # writes .devdata/sweep/data.json (cleaned texts)
  cp -r <encoder dirs> .devdata/sweep/encoder .devdata/sweep/encoder-weak
  python benchmarks/quality/finetune_sweep.py MINUTES      # on a GPU; results appended to $OUT/sweep.jsonl
It uses only torch, transformers, numpy and scikit-learn, so it runs on a bare
GPU machine where envtag's other dependencies are not installed.
The results of the session run are in sweep_gpu.jsonl."""

import json
import os
import sys
import time

import numpy as np

if len(sys.argv) > 1 and sys.argv[1] == "--prepare":
    from envtag.cleaning import clean
    from envtag.sentences import split_sentences
    from envtag.taxonomy import label_ids

    def _load(paths):
        rows = []
        for p in paths:
            for line in open(p, encoding="utf-8"):
                if line.strip() and json.loads(line).get("content") is not False:
                    r = json.loads(line)
                    t = clean(r["text"])
                    rows.append(
                        {"text": t, "sents": split_sentences(t), "y": [int(x in r["labels"]) for x in label_ids()]}
                    )
        return rows

    sh = "../shared/data/"
    os.makedirs(".devdata/sweep", exist_ok=True)
    json.dump(
        {
            "labels": label_ids(),
            "train": _load([sh + "silver_train.jsonl", "labels/examples.jsonl"]),
            "train_silver_only": _load([sh + "silver_train.jsonl"]),
            "dev": _load([sh + "silver_dev.jsonl"]),
            "seeds": _load([sh + "seeds_gold.jsonl"]),
        },
        open(".devdata/sweep/data.json", "w"),
        ensure_ascii=False,
    )
    sys.exit(0)
import torch
from sklearn.metrics import f1_score
from transformers import AutoModelForSequenceClassification, AutoTokenizer

OUT = os.environ.get("OUT", "/tmp/out")
D = ".devdata/sweep"
data = json.load(open(f"{D}/data.json"))
L = data["labels"]
if os.environ.get("SMOKE"):
    for k in ("train", "train_silver_only", "dev", "seeds"):
        data[k] = data[k][:40]
dev = "cuda" if torch.cuda.is_available() else "cpu"
tok = AutoTokenizer.from_pretrained(f"{D}/encoder")


def enc(rows):
    ids = tok([r["text"] for r in rows], add_special_tokens=False, return_offsets_mapping=True)
    out = []
    for r, ii, off in zip(rows, ids["input_ids"], ids["offset_mapping"]):
        # windows of <=254 tokens on sentence boundaries
        spans = r["sents"] or [[0, len(r["text"])]]
        rng = []
        t = 0
        for a, b in spans:
            while t < len(off) and off[t][1] <= a:
                t += 1
            f = t
            while t < len(off) and off[t][0] < b:
                t += 1
            if t > f:
                rng.append((f, t))
        if len(ii) <= 254 or not rng:
            wins = (
                [(0, min(len(ii), 254))]
                if len(ii) <= 254
                else [(s, min(s + 254, len(ii))) for s in range(0, len(ii), 190)]
            )
        else:
            pieces = []
            for a, b in rng:
                while b - a > 254:
                    pieces.append((a, a + 254))
                    a += 190
                pieces.append((a, b))
            wins = []
            i = 0
            while i < len(pieces):
                j = i
                while j + 1 < len(pieces) and pieces[j + 1][1] - pieces[i][0] <= 254:
                    j += 1
                wins.append((pieces[i][0], pieces[j][1]))
                if j == len(pieces) - 1:
                    break
                i = max(i + 1, j)
        out.append(([ii[a:b] for a, b in wins], ii[:254]))
    return out


def batchify(seqs):
    w = max(len(s) for s in seqs) + 2
    x = torch.zeros((len(seqs), w), dtype=torch.long)
    for i, s in enumerate(seqs):
        x[i, 0] = tok.cls_token_id
        x[i, 1 : len(s) + 1] = torch.tensor(s)
        x[i, len(s) + 1] = tok.sep_token_id
    return x.to(dev)


E = {k: enc(data[k]) for k in ("train", "train_silver_only", "dev", "seeds")}
Y = {k: np.array([r["y"] for r in data[k]]) for k in E}


@torch.no_grad()
def scores(model, k):
    model.eval()
    flat = []
    own = []
    for i, (wins, _) in enumerate(E[k]):
        for w in wins:
            flat.append(w)
            own.append(i)
    out = np.zeros((len(E[k]), len(L)))
    order = np.argsort([len(s) for s in flat])
    for b in range(0, len(order), 256):
        idx = order[b : b + 256]
        x = batchify([flat[i] for i in idx])
        with torch.autocast(dev, dtype=torch.bfloat16, enabled=(dev == "cuda")):
            p = torch.sigmoid(model(input_ids=x, attention_mask=(x != 0).long()).logits.float()).cpu().numpy()
        for r, i in enumerate(idx):
            out[own[i]] = np.maximum(out[own[i]], p[r])
    model.train()
    return out


def macro(y, s, thr):
    return f1_score(y, (s >= thr).astype(int), average="macro", zero_division=0)


def tune(y, s):
    grid = np.round(np.arange(0.05, 0.96, 0.025), 3)
    thr = []
    for j in range(y.shape[1]):
        f = [f1_score(y[:, j], s[:, j] >= t, zero_division=0) for t in grid]
        m = max(f)
        thr.append(min([t for t, v in zip(grid, f) if v >= m - 1e-9], key=lambda t: abs(t - 0.5)))
    return np.array(thr)


def run(encoder, lr, epochs, pw, seed, train_key="train", bs=32, wd=0.01, head_lr_mult=1.0):
    torch.manual_seed(seed)
    np.random.seed(seed)
    m = AutoModelForSequenceClassification.from_pretrained(
        f"{D}/{encoder}", num_labels=len(L), problem_type="multi_label_classification", dtype=torch.float32
    ).to(dev)
    y = torch.tensor(Y[train_key], dtype=torch.float32)
    pos = Y[train_key].sum(0)
    pwt = torch.tensor(
        np.clip((len(y) - pos) / np.maximum(pos, 1), 1, 10) if pw else np.ones(len(L)), dtype=torch.float32, device=dev
    )
    opt = torch.optim.AdamW(m.parameters(), lr=lr, weight_decay=wd)
    n = len(y)
    steps = epochs * ((n + bs - 1) // bs)
    warm = int(0.1 * steps)
    st = 0
    best = (-1, None, None)
    for ep in range(epochs):
        perm = np.random.permutation(n)
        for b in range(0, n, bs):
            idx = perm[b : b + bs]
            x = batchify([E[train_key][i][1] for i in idx])
            lrn = lr * (st + 1) / warm if st < warm else lr * max(0.0, (steps - st) / (steps - warm))
            for g in opt.param_groups:
                g["lr"] = lrn
            with torch.autocast(dev, dtype=torch.bfloat16, enabled=(dev == "cuda")):
                logits = m(input_ids=x, attention_mask=(x != 0).long()).logits.float()
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, y[idx].to(dev), pos_weight=pwt)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
            opt.step()
            opt.zero_grad()
            st += 1
        sd = scores(m, "dev")
        f = macro(Y["dev"], sd, 0.5)
        if f > best[0]:
            best = (f, ep + 1, {k: v.detach().clone() for k, v in m.state_dict().items()})
    m.load_state_dict(best[2])
    sd = scores(m, "dev")
    ss = scores(m, "seeds")
    thr = tune(Y["dev"], sd)
    return dict(
        encoder=encoder,
        lr=lr,
        epochs=epochs,
        pw=pw,
        seed=seed,
        train=train_key,
        best_epoch=best[1],
        dev05=macro(Y["dev"], sd, 0.5),
        seeds05=macro(Y["seeds"], ss, 0.5),
        dev_tuned=macro(Y["dev"], sd, thr),
        seeds_tuned=macro(Y["seeds"], ss, thr),
        thr=thr.tolist(),
    ), m


budget = float(sys.argv[1]) * 60
t0 = time.time()
grid = (
    [("encoder-weak", 1e-4, 1, True, 1)]
    if os.environ.get("SMOKE")
    else [
        ("encoder-weak", 1e-4, 10, True, 1),
        ("encoder", 1e-4, 10, True, 1),
        ("encoder-weak", 2e-4, 10, True, 1),
        ("encoder-weak", 5e-5, 15, True, 1),
        ("encoder", 2e-4, 10, True, 1),
        ("encoder-weak", 1e-4, 20, True, 1),
        ("encoder-weak", 1e-4, 10, False, 1),
        ("encoder-weak", 1e-4, 10, True, 2),
        ("encoder", 3e-4, 15, True, 1),
        ("encoder-weak", 3e-4, 15, True, 1),
        ("encoder-weak", 1e-4, 10, True, 3),
        ("encoder", 1e-4, 20, True, 2),
    ]
)
res = []
for g in grid:
    if time.time() - t0 > budget:
        break
    t = time.time()
    r, _ = run(*g)
    r["sec"] = round(time.time() - t, 1)
    res.append(r)
    print(json.dumps(r), flush=True)
    with open(f"{OUT}/sweep.jsonl", "a") as fh:
        fh.write(json.dumps(r) + "\n")
if time.time() - t0 < budget:
    r, _ = run("encoder-weak", 1e-4, 10, True, 1, train_key="train_silver_only")
    print(json.dumps(r), flush=True)
    with open(f"{OUT}/sweep.jsonl", "a") as fh:
        fh.write(json.dumps(r) + "\n")
