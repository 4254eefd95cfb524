"""A self-contained HTML report over tagged documents.

No network assets: styles inline, bar charts as plain HTML/CSS, so the file can
be mailed or archived and opens the same anywhere. Chinese text is rendered
with a CJK font stack and an explicit UTF-8 charset.
"""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass, field

COLOURS = {
    "air": "#4e79a7",
    "water": "#17becf",
    "soil": "#9c755f",
    "carbon": "#59a14f",
    "enforcement": "#e15759",
    "supervision": "#f28e2b",
}

CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",
"WenQuanYi Micro Hei",sans-serif;margin:2rem auto;max-width:1100px;color:#222;line-height:1.6;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2.5rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.3rem .6rem;text-align:right}
th:first-child,td:first-child{text-align:left}thead th{background:#f5f5f5}
.chip{display:inline-block;border-radius:.8rem;padding:0 .55rem;margin:0 .2rem .2rem 0;color:#fff;font-size:.8rem}
.bars{margin:.5rem 0 1rem}.bar{display:flex;align-items:center;margin:.15rem 0;font-size:.85rem}
.bar .name{width:7rem}.bar .track{flex:1;background:#f0f0f0;height:.9rem;border-radius:.2rem;overflow:hidden}
.bar .fill{height:100%}.bar .val{width:5rem;text-align:right}
.par{border-left:3px solid #ddd;padding:.3rem .8rem;margin:.6rem 0}.par.skipped{color:#999;font-size:.85rem}
.par .meta{font-size:.75rem;color:#888}mark{background:#fff3b0;padding:0 .1rem}
"""


@dataclass
class DocumentView:
    name: str
    records: list[dict] = field(default_factory=list)

    @property
    def content(self) -> list[dict]:
        return [r for r in self.records if not r.get("skipped")]

    def label_counts(self, labels: list[str]) -> Counter:
        counts: Counter = Counter()
        for r in self.content:
            counts.update(lab for lab in r.get("labels", []) if lab in labels)
        return counts


def _chip(label: str) -> str:
    return f'<span class="chip" style="background:{COLOURS.get(label, "#777")}">{html.escape(label)}</span>'


def _highlight(text: str, evidence: dict) -> str:
    """The paragraph with its evidence sentences marked (offsets into the raw text)."""
    spans: dict[tuple[int, int], set[str]] = {}
    for lab, items in (evidence or {}).items():
        for ev in items:
            if isinstance(ev, dict) and 0 <= ev.get("start", -1) < ev.get("end", -1) <= len(text):
                spans.setdefault((ev["start"], ev["end"]), set()).add(lab)
    out, pos = [], 0
    for (a, b), labs in sorted(spans.items()):
        if a < pos:  # overlapping spans: keep the first
            continue
        out.append(html.escape(text[pos:a]))
        title = html.escape(", ".join(sorted(labs)))
        out.append(f'<mark title="{title}">{html.escape(text[a:b])}</mark>')
        pos = b
    out.append(html.escape(text[pos:]))
    return "".join(out)


def render_report(docs: list[DocumentView], labels: list[str], title: str = "envtag report") -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    total_content = sum(len(d.content) for d in docs)
    total_pars = sum(len(d.records) for d in docs)
    parts.append(
        f'<p id="totals">{len(docs)} documents, {total_pars} paragraphs, '
        f"{total_content} tagged, {total_pars - total_content} skipped as non-content. "
        "Cells: paragraphs carrying the label (share of the document's content paragraphs).</p>"
    )
    parts.append('<table id="overview"><thead><tr><th>document</th><th>paragraphs</th>')
    parts.extend(f"<th>{html.escape(lab)}</th>" for lab in labels)
    parts.append("</tr></thead><tbody>")
    totals: Counter = Counter()
    for k, d in enumerate(docs):
        counts = d.label_counts(labels)
        totals.update(counts)
        n = max(1, len(d.content))
        parts.append(f'<tr><td><a href="#doc-{k}">{html.escape(d.name)}</a></td><td>{len(d.content)}</td>')
        parts.extend(f"<td>{counts[lab]} ({counts[lab] / n:.0%})</td>" for lab in labels)
        parts.append("</tr>")
    n_all = max(1, total_content)
    parts.append(f"<tr><th>total</th><th>{total_content}</th>")
    parts.extend(f"<th>{totals[lab]} ({totals[lab] / n_all:.0%})</th>" for lab in labels)
    parts.append("</tr></tbody></table>")
    for k, d in enumerate(docs):
        counts = d.label_counts(labels)
        n = max(1, len(d.content))
        parts.append(f'<section class="doc" id="doc-{k}"><h2>{html.escape(d.name)}</h2><div class="bars">')
        for lab in labels:
            share = counts[lab] / n
            parts.append(
                f'<div class="bar"><span class="name">{_chip(lab)}</span><span class="track">'
                f'<span class="fill" style="display:block;width:{share * 100:.1f}%;'
                f'background:{COLOURS.get(lab, "#777")}"></span></span>'
                f'<span class="val">{counts[lab]} · {share:.0%}</span></div>'
            )
        parts.append("</div>")
        for r in d.records:
            if r.get("skipped"):
                parts.append(
                    f'<div class="par skipped"><span class="meta">#{r.get("index")} skipped: '
                    f"{html.escape(str(r['skipped']))}</span> {html.escape(r.get('text', ''))}</div>"
                )
                continue
            chips = "".join(_chip(lab) for lab in r.get("labels", [])) or '<span class="meta">no label</span>'
            parts.append(
                f'<div class="par"><div class="meta">#{r.get("index")} {chips}</div>'
                f"<div>{_highlight(r.get('text', ''), r.get('evidence') or {})}</div></div>"
            )
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def group_records(records) -> list[DocumentView]:
    """Paragraph records (as written by ``envtag tag``) grouped by document, in order."""
    docs: dict[str, DocumentView] = {}
    for r in records:
        if r.get("type") == "summary":
            continue
        docs.setdefault(r["source"], DocumentView(name=r["source"])).records.append(r)
    return list(docs.values())
