"""How the corpus paragraphs of labels/corpus_train.jsonl and labels/dev_corpus.jsonl were sampled.

    .venv/bin/python labels/sampling/sample_corpus.py --out runs/sampling

Writes ``pool_dev.jsonl`` (460 paragraphs), ``pool_train.jsonl`` (5,200) and
``pool_train5.jsonl`` (900 more, non-research registers, cue-bearing),
``pool_train6.jsonl`` (up to 2,000 more of the registers the dev set showed thin) with
``{key, corpus, doc, para, kind, title, text, sha1, strata}``; the text is for
annotators and stays outside the repository (only the stand-off fields are
committed). Deterministic: fixed seeds, files read in order.

Sampling, in short: documents of ``../shared/corpus`` not used by
silver_train, silver_dev or seeds_gold; ``news_corpus.jsonl`` only every 7th
item that mentions an environmental term; paragraphs 15–600 characters after
cleaning that are not boilerplate; dev documents first, a register-balanced
set of whole documents used nowhere else; then at most 3 paragraphs per
document, filling quotas per stratum (lexicon cue of each label, each error
kind of issue 9, and no cue at all) before topping up at random.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import random
import re
from pathlib import Path

from envtag.boilerplate import skip_reason
from envtag.cleaning import clean
from envtag_train.lexicon import LexiconTagger

SHARED = Path(__file__).resolve().parents[3] / "shared"
LABELS = ["air", "water", "soil", "carbon", "enforcement", "supervision"]
ERROR_KINDS = {
    "context": "饮用水水源地土壤 与大气 水污染不同 甲烷 废弃物处理 水电 抽水蓄能 秸秆 禁烧 "
    "噪声 噪音 焚烧 沼气 填埋气 检出 赋存",
    "chars": "碳纤维 碳纳米 碳化硅 碳素 碳酸 石墨烯 科技创新 绿色原则 民法典 "
    "文化市场 市场监管 安全生产 纪检 巡视 审计 党风 作风",
    "impl_sup": "河长 林长 湖长 责任状 责任书 督察组 反馈 回头看 回头望 整改 监测网 "
    "监控平台 在线监控 放管服 环评审批 审批 一级抓一级 考核 约谈",
    "impl_enf": "取缔 清理 严查 查处 关停 巡查 打击 非法 违法 罚款 立案 移送 查封 扣押 判处 有期徒刑",
    "case": "举报 投诉 现场检查 执法人员 当事人 责令 处罚 罚款 被告人 污染环境罪",
    "nearmiss": "碳 水 土 执法 监督 检查 排放 气 污染 处罚",
}
ERROR_RES = {k: re.compile(v.replace(" ", "|")) for k, v in ERROR_KINDS.items()}
ENV_TERMS = re.compile(r"生态环境|污染|环保|碳排放|碳达峰|大气|水质|土壤|执法|督察|垃圾|节能|排放")
DEV_DOCS = {("policy", "news"): 45, ("policy", "law"): 25, ("policy", "other"): 20, ("policy", "report"): 5,
            ("policy", "plan"): 5, ("registers", "research"): 35, ("registers", "other"): 25,
            ("registers", "bureau"): 20, ("registers", "judgment"): 15, ("registers", "news"): 10,
            ("news", "news"): 25}  # fmt: skip


def used_documents() -> set[str]:
    used = set()
    for name in ("silver_train", "silver_dev", "seeds_gold"):
        for line in (SHARED / "data" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            doc = json.loads(line).get("doc")
            if doc:
                used.add(doc.removesuffix(".txt"))
    return used


def paragraphs(text: str, max_chars: int = 600) -> list[tuple[int, str]]:
    out = []
    for i, line in enumerate(text.split("\n")):
        c = clean(line)
        if c and skip_reason(c) is None and 15 <= len(c) <= max_chars:
            out.append((i, c))
    return out


def _lines(path: Path):
    with open(path, encoding="utf-8") as fh:
        yield from fh


def documents(used: set[str], max_chars: int = 600) -> list[tuple]:
    docs = []
    for corpus in ("policy", "registers"):
        for line in _lines(SHARED / "corpus" / f"{corpus}_corpus.jsonl"):
            r = json.loads(line)
            if r["id"] not in used and (ps := paragraphs(r["text"], max_chars)):
                docs.append((corpus, r["id"], r["kind"], r["text"].split("\n")[0][:60], ps))
    for n, line in enumerate(_lines(SHARED / "corpus" / "news_corpus.jsonl"), 1):
        if n % 7:
            continue
        r = json.loads(line)
        if r["id"] not in used and ENV_TERMS.search(r["text"]) and (ps := paragraphs(r["text"], max_chars)):
            docs.append(("news", r["id"], r["kind"], r["text"].split("\n")[0][:60], ps))
    return docs


def strata(text: str, lexicon: LexiconTagger) -> list[str]:
    hits = lexicon.predict(text)
    return (
        [f"lab:{h}" for h in hits]
        + [f"err:{k}" for k, p in ERROR_RES.items() if p.search(text)]
        + ([] if hits else ["nolex"])
    )


def pick(docs, total: int, per_doc: int, rnd: random.Random, lexicon: LexiconTagger) -> list[dict]:
    pool = [
        dict(doc=d, corpus=c, kind=k, title=t, para=i, text=x, strata=strata(x, lexicon))
        for c, d, k, t, ps in docs
        for i, x in ps
    ]
    rnd.shuffle(pool)
    quota = {f"lab:{lab}": total * 0.12 for lab in LABELS} | {f"err:{k}": total * 0.08 for k in ERROR_RES}
    quota["nolex"] = total * 0.2
    filled, per, seen, chosen = collections.Counter(), collections.Counter(), set(), []
    for stratified in (True, False):
        for p in pool:
            if len(chosen) >= total:
                break
            if per[p["doc"]] >= per_doc or p["text"] in seen:
                continue
            if stratified and not [s for s in p["strata"] if filled[s] < quota.get(s, 0)]:
                continue
            filled.update(p["strata"])
            per[p["doc"]] += 1
            seen.add(p["text"])
            chosen.append(p)
    return chosen


def pick_more(docs, dev: list[dict], train: list[dict], lexicon: LexiconTagger) -> list[dict]:
    """The fifth batch: 900 more paragraphs of non-research documents outside
    the dev set, at most 2 per document, mostly ones with a cue (4 in 5
    cue-less paragraphs dropped), none already chosen."""
    rnd = random.Random(99)
    dev_docs = {p["doc"] for p in dev}
    taken = {(p["doc"], p["para"]) for p in train}
    pool = []
    for c, d, k, t, ps in docs:  # in file order
        if c == "news" or d in dev_docs or k == "research":
            continue
        for i, x in ps:
            st = strata(x, lexicon)
            if (d, i) in taken or ("nolex" in st and rnd.random() < 0.8):
                continue
            pool.append(dict(doc=d, corpus=c, kind=k, title=t, para=i, text=x, strata=st))
    rnd.shuffle(pool)
    per, seen, out = collections.Counter(), {p["text"] for p in train}, []
    for p in pool:
        if len(out) >= 900:
            break
        if per[p["doc"]] < 2 and p["text"] not in seen:
            per[p["doc"]] += 1
            seen.add(p["text"])
            out.append(p)
    return out


ROUND2 = {("registers", "other"): 450, ("policy", "law"): 400, ("policy", "other"): 300,
          ("registers", "research"): 250, ("registers", "judgment"): 200, ("registers", "bureau"): 200,
          ("policy", "news"): 200}  # fmt: skip


def used_documents_except_train() -> tuple[set[str], set[str]]:
    """Documents of silver_dev and seeds_gold, and the texts of silver_train:
    round 2 may read other paragraphs of silver_train's documents (laws are
    mostly there) but never a dev or report document or a silver text."""
    docs, texts = set(), set()
    for name in ("silver_train", "silver_dev", "seeds_gold"):
        for line in (SHARED / "data" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            if name == "silver_train":
                texts.add(clean(r["text"]))
            elif r.get("doc"):
                docs.add(r["doc"].removesuffix(".txt"))
    return docs, texts


def pick_round2(dev: list[dict], taken: list[dict], lexicon: LexiconTagger) -> list[dict]:
    """Round 2, the sixth batch: up to 2,000 paragraphs of the
    registers the dev set showed thin — complaints and replies, laws, bureau
    texts, court judgments, research, news — from documents outside the dev
    set (silver_train's documents allowed, its texts not), at most 6 per
    document counting earlier batches, 3 in 5 cue-less paragraphs dropped."""
    rnd = random.Random(2612063)
    dev_docs, silver_texts = used_documents_except_train()
    dev_docs |= {p["doc"] for p in dev}
    done = {(p["doc"], p["para"]) for p in taken}
    per = collections.Counter(p["doc"] for p in taken)
    pools = collections.defaultdict(list)
    for c, d, k, t, ps in documents(dev_docs):  # in file order
        if c == "news" and k == "news":
            continue
        for i, x in ps:
            if (c, k) not in ROUND2 or (d, i) in done or x in silver_texts:
                continue
            st = strata(x, lexicon)
            if "nolex" in st and rnd.random() < 0.6:
                continue
            pools[(c, k)].append(dict(doc=d, corpus=c, kind=k, title=t, para=i, text=x, strata=st))
    seen, out = {p["text"] for p in taken}, []
    for key, quota in ROUND2.items():
        rnd.shuffle(pools[key])
        take(pools[key], quota, [(per, 6)], seen, out)
    rnd.shuffle(out)
    return out


def take(pool: list[dict], quota: int, caps: list[tuple[collections.Counter, int]], seen: set, out: list) -> None:
    """Append to ``out`` the first ``quota`` paragraphs of ``pool`` whose text is
    unseen and whose document is under every per-document cap (a counter and
    its limit), counting them in each counter."""
    got = 0
    for p in pool:
        if got >= quota:
            break
        if p["text"] not in seen and all(per[p["doc"]] < cap for per, cap in caps):
            for per, _ in caps:
                per[p["doc"]] += 1
            seen.add(p["text"])
            out.append(p)
            got += 1


def write(rows: list[dict], path: Path, prefix: str, width: int) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for i, p in enumerate(rows):
            p.update(key=f"{prefix}{i:0{width}d}", sha1=hashlib.sha1(p["text"].encode()).hexdigest())
            fh.write(json.dumps(p, ensure_ascii=False) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    rnd, lexicon = random.Random(20261206), LexiconTagger()
    ordered = documents(used_documents())
    docs = list(ordered)
    rnd.shuffle(docs)
    got, dev_docs, train_docs = collections.Counter(), [], []
    for d in docs:
        key = (d[0], d[2])
        if got[key] < DEV_DOCS.get(key, 0):
            dev_docs.append(d)
            got[key] += 1
        else:
            train_docs.append(d)
    dev, train = pick(dev_docs, 460, 3, rnd, lexicon), pick(train_docs, 5200, 3, rnd, lexicon)
    more = pick_more(ordered, dev, train, lexicon)
    args.out.mkdir(parents=True, exist_ok=True)
    write(dev, args.out / "pool_dev.jsonl", "d", 4)
    write(train, args.out / "pool_train.jsonl", "t", 5)
    write(more, args.out / "pool_train5.jsonl", "u", 4)
    write(pick_round2(dev, train + more, lexicon), args.out / "pool_train6.jsonl", "v", 4)


if __name__ == "__main__":
    main()
