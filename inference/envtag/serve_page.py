"""The page ``envtag serve`` shows at ``/``: paste text or drop files, see labels and evidence.

Self-contained (no external assets), in the look of the HTML report: label
chips in the report's colours, evidence sentences highlighted; the tagged
records can be downloaded as JSONL or CSV.
"""

from __future__ import annotations

import json

from .report import COLOURS, CSS

_SCRIPT = """
const LABELS = __LABELS__, COLOURS = __COLOURS__, NEEDS_KEY = __NEEDS_KEY__;
let records = [];
const $ = (id) => document.getElementById(id);
function headers(json) {
  const h = json ? {"Content-Type": "application/json"} : {};
  if (NEEDS_KEY) h["X-API-Key"] = $("key").value;
  return h;
}
function esc(s) { return s.replace(/[&<>"]/g, c => ({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;"}[c])); }
function highlight(text, evidence) {
  const spans = [];
  for (const [lab, items] of Object.entries(evidence || {}))
    for (const ev of items) spans.push([ev.start, ev.end, lab]);
  spans.sort((a, b) => a[0] - b[0]);
  let out = "", pos = 0;
  for (const [s, e, lab] of spans) {
    if (s < pos) continue;
    out += esc(text.slice(pos, s)) + `<mark title="${lab}">` + esc(text.slice(s, e)) + "</mark>";
    pos = e;
  }
  return out + esc(text.slice(pos));
}
function show(data) {
  if (data.error) { $("status").textContent = data.error; return; }
  records = records.concat(data.records);
  $("status").textContent = `${records.length} paragraphs tagged`;
  $("out").innerHTML = records.map(r => {
    const chips = r.labels.map(l => `<span class="chip" style="background:${COLOURS[l]}">${l}</span>`).join("");
    const cls = r.skipped ? "par skipped" : "par";
    const why = r.skipped ? " · skipped: " + r.skipped : "";
    const meta = `<div class="meta">${esc(String(r.source))} #${r.index}${why}</div>`;
    return `<div class="${cls}">${meta}${chips} ${highlight(r.text, r.evidence)}</div>`;
  }).join("");
}
async function tagText() {
  const texts = $("text").value.split(/\\n+/).filter(t => t.trim());
  const res = await fetch("/v1/tag", {method: "POST", headers: headers(true), body: JSON.stringify({texts})});
  show(await res.json());
}
async function tagFiles(files) {
  for (const f of files) {
    const body = new FormData(); body.append("file", f);
    const res = await fetch("/v1/tag/file", {method: "POST", headers: headers(false), body});
    show(await res.json());
  }
}
function download(kind) {
  let text;
  if (kind === "jsonl") text = records.map(r => JSON.stringify(r)).join("\\n") + "\\n";
  else {
    const q = v => '"' + String(v ?? "").replace(/"/g, '""').replace(/^([=+\\-@\\t\\r])/, "'$1") + '"';
    const head = ["source", "index", "text", "labels", "skipped", ...LABELS.map(l => "score_" + l)];
    const rows = records.map(r => [r.source, r.index, r.text, r.labels.join(";"), r.skipped,
                                    ...LABELS.map(l => (r.scores || {})[l])].map(q).join(","));
    text = "\\ufeff" + [head.join(","), ...rows].join("\\r\\n") + "\\r\\n";
  }
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([text], {type: "text/plain;charset=utf-8"}));
  a.download = "envtag." + kind; a.click();
}
const drop = $("drop");
drop.addEventListener("dragover", e => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", e => {
  e.preventDefault(); drop.classList.remove("over"); tagFiles(e.dataTransfer.files);
});
"""

_BODY = """<h1>envtag</h1>
<p>Paste paragraphs (one per line) or drop documents (.txt .docx .pdf .html .csv .jsonl …).</p>
__KEY__<textarea id="text" rows="8" style="width:100%"></textarea>
<p><button onclick="tagText()">Tag text</button>
<input type="file" multiple onchange="tagFiles(this.files)">
<button onclick="download('jsonl')">Download JSONL</button> <button onclick="download('csv')">Download CSV</button>
<span id="status"></span></p>
<div id="drop" style="border:2px dashed #bbb;padding:1.5rem;text-align:center;color:#888">drop files here</div>
<div id="out"></div>"""


def render_page(labels: list[str], needs_key: bool) -> str:
    key = '<p>API key: <input id="key" type="password"></p>' if needs_key else ""
    script = (
        _SCRIPT.replace("__LABELS__", json.dumps(labels))
        .replace("__COLOURS__", json.dumps(COLOURS))
        .replace("__NEEDS_KEY__", "true" if needs_key else "false")
    )
    return (
        '<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8"><title>envtag</title>'
        f"<style>{CSS}#drop.over{{background:#f5faff}}</style></head>"
        f"<body>{_BODY.replace('__KEY__', key)}<script>{script}</script></body></html>"
    )
