"""Pack what a lent GPU machine needs from beside the repository into ``.devdata/gpu``.

The device tool sends the repository alone (64 MiB at most, the working tree
included) and the machine is bare: ``../shared`` does not travel, and its
image lacks a few of envtag's dependencies. This script, run here, writes

* ``shared.tar.xz``: ``../shared/data``, ``../shared/seeds`` and the corpus
  files, with the news corpus cut to the documents any label file refers to
  plus a seeded share of the others (the whole file would not fit), so every
  stand-off record still resolves to the same text and hash there;
* ``wheels/``: the wheels of the packages the image lacks, for its Python.

``training/gpu/lease.sh`` unpacks both there. Usage, from the
repository root: ``python training/gpu/pack_shared.py`` (about two minutes).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
# Missing from the device image (.library/device/KINDS.md), pinned to the versions
# the project's environment tests with; the image lists their other dependencies.
WHEELS = ["datasets==5.2.0", "evaluate==0.4.6", "dill==0.4.1", "multiprocess==0.70.19", "opencc==1.4.2",
          "pypinyin==0.55.0"]  # fmt: skip
DEVICE_PYTHON = "3.12"
PLATFORMS = ["manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"]
TRAVEL_LIMIT = 64 * 2**20


def referenced_docs(labels_dir: Path) -> set[tuple[str, str]]:
    """(corpus file, document id) of every stand-off record under ``labels/``."""
    refs = set()
    for path in labels_dir.rglob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line) if line.strip() else {}
            if isinstance(rec, dict) and "corpus" in rec and "doc" in rec:
                refs.add((rec["corpus"], str(rec["doc"])))
    return refs


def cut_corpus(src: Path, dst: Path, keep: set[str], share: float, seed: int) -> tuple[int, int]:
    """Copy the documents of ``src`` named in ``keep`` and a seeded ``share`` of the
    rest, lines unchanged; return (documents kept, documents in all)."""
    rng = random.Random(seed)
    kept = total = 0
    with src.open(encoding="utf-8") as fin, dst.open("w", encoding="utf-8") as fout:
        for line in fin:
            if not line.strip():
                continue
            total += 1
            if str(json.loads(line).get("id")) in keep or rng.random() < share:
                fout.write(line)
                kept += 1
    return kept, total


def pack(out: Path, news_share: float, seed: int) -> Path:
    """Write ``out/shared.tar.xz``: data, seeds, and the corpus with news cut to fit."""
    stage = out / "stage" / "shared"
    (stage / "corpus").mkdir(parents=True, exist_ok=True)
    refs = referenced_docs(REPO / "labels")
    for corpus in sorted((SHARED / "corpus").glob("*.jsonl")):
        keep = {doc for name, doc in refs if name == corpus.name}
        share = news_share if corpus.name == "news_corpus.jsonl" else 1.0
        kept, total = cut_corpus(corpus, stage / "corpus" / corpus.name, keep, share, seed)
        print(f"{corpus.name}: {kept} of {total} documents ({len(keep)} named by labels/)", file=sys.stderr)
    archive = out / "shared.tar.xz"
    with tarfile.open(archive, "w:xz", preset=6) as tar:
        for part in ("data", "seeds"):
            tar.add(SHARED / part, arcname=f"shared/{part}")
        tar.add(stage / "corpus", arcname="shared/corpus")
    shutil.rmtree(stage.parent)  # only the archive travels
    return archive


def download_wheels(dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    platforms = [arg for p in PLATFORMS for arg in ("--platform", p)]
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
         "--python-version", DEVICE_PYTHON, "--implementation", "cp", *platforms, "-d", str(dest), *WHEELS],
        check=True,
    )  # fmt: skip


def travel_size(out: Path) -> int:
    """Bytes the device tool would send: tracked and untracked-unignored files, and ``out``."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, capture_output=True, check=True,
    ).stdout.split(b"\0")  # fmt: skip
    files = [REPO / name.decode() for name in listed if name]
    files += [p for p in out.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / ".devdata" / "gpu")
    parser.add_argument("--news-share", type=float, default=0.4, help="share of unnamed news documents kept")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    if not (SHARED / "corpus").is_dir():
        sys.exit(f"pack_shared: {SHARED / 'corpus'} not found; run it in a checkout beside ../shared")
    print(f"wrote {pack(args.out, args.news_share, args.seed)}", file=sys.stderr)
    download_wheels(args.out / "wheels")
    size = travel_size(args.out)
    print(f"the device call would send {size / 2**20:.1f} MiB (limit 64 MiB)", file=sys.stderr)
    if size > TRAVEL_LIMIT:
        sys.exit(f"pack_shared: {size / 2**20:.1f} MiB is over the device limit; lower --news-share")


if __name__ == "__main__":
    main()
