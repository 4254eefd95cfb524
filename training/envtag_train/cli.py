"""Training, evaluation, pretraining and annotation commands of the ``envtag`` CLI.

They are a plugin: pyproject registers :func:`register` in the
``envtag.commands`` entry-point group, and the runtime CLI (:mod:`envtag.cli`)
calls it, so a runtime-only install has a complete tagging CLI. Heavy imports
(torch, transformers) happen inside the commands so that ``envtag tag``
starts fast."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from envtag.cli_errors import fail, run_guarded

# Commands collected here and added to the envtag app by `register`.
app = typer.Typer(rich_markup_mode=None)
labels_app = typer.Typer(help="Annotation files and the taxonomy.", no_args_is_help=True, rich_markup_mode=None)


@contextmanager
def config_hints():
    """Add the command-line fix to configuration errors (the library's messages name no flags)."""
    from envtag.errors import ConfigError

    try:
        yield
    except ConfigError as exc:
        message = str(exc)
        if "data file" in message:
            raise ConfigError(f"{message}; fix the path in the config or with --set") from exc
        if message.startswith("config: ") and ", got " in message:
            key = message.split()[1]
            raise ConfigError(f"{message}; fix it in the config or with --set {key}=VALUE") from exc
        raise


def register(main_app: typer.Typer) -> None:
    """Add the training commands to the ``envtag`` CLI (the entry-point hook)."""
    for info in app.registered_commands:
        main_app.registered_commands.append(info)
    main_app.add_typer(labels_app, name="labels")


SetOpt = Annotated[list[str] | None, typer.Option("--set", help="Override a config key: key=value (repeatable).")]
DebugOpt = Annotated[bool, typer.Option(help="Show tracebacks.")]


@app.command()
def train(
    config: Annotated[Path, typer.Option("--config", "-c", help="YAML training config.")],
    overrides: SetOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Fine-tune a tagger from annotated paragraphs and save it with thresholds and metrics."""

    def go():
        from .config import load_config
        from .finetune import train as run

        with config_hints():
            cfg = load_config(config, overrides)
            cfg.validate()
        run(cfg, log=lambda m: typer.echo(m, err=True))

    run_guarded(go, debug)


@app.command()
def evaluate(
    data: Annotated[list[Path], typer.Option("--data", "-d", help="Annotated JSONL file (repeatable).")],
    model: Annotated[str | None, typer.Option("--model", "-m", help="Model directory (default: shipped).")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Folder for JSON and Markdown reports.")] = None,
    debug: DebugOpt = False,
) -> None:
    """Per-label P/R/F1, micro/macro-F1 and exact match of a model on each file
    (for a challenge set, exact match is the share of paragraphs fully right)."""

    def go():
        from envtag_train.metrics import to_markdown

        from .evaluation import evaluate_model

        for path in data:
            if not path.exists():
                fail(f"data file {path} does not exist")
        reports = [evaluate_model(model, path, out) for path in data]
        for path, report in zip(data, reports, strict=True):
            typer.echo(to_markdown(report, title=f"{path.name}"))
        if len(data) > 1:
            typer.echo("| file | n | macro-F1 | exact match |\n|---|---:|---:|---:|")
            for path, r in zip(data, reports, strict=True):
                typer.echo(f"| {path.name} | {r['n']} | {r['macro_f1']:.3f} | {r['exact_match']:.3f} |")

    run_guarded(go, debug)


@app.command()
def pretrain(
    config: Annotated[Path, typer.Option("--config", "-c", help="YAML pretraining config.")],
    overrides: SetOpt = None,
    prepare_only: Annotated[bool, typer.Option(help="Only clean and tokenise the corpus.")] = False,
    resume: Annotated[bool, typer.Option("--resume/--restart", help="Continue from the last checkpoint.")] = True,
    debug: DebugOpt = False,
) -> None:
    """Masked-LM pretraining of a compact Chinese BERT on the domain corpus."""

    def go():
        from .config import load_config
        from .pretrain import PretrainConfig, prepare
        from .pretrain import train as run

        with config_hints():
            cfg = load_config(config, overrides, cls=PretrainConfig)
        log = lambda m: typer.echo(m, err=True)  # noqa: E731
        data = Path(cfg.output_dir) / "data" / "corpus.npz"
        if not data.exists() or not resume:
            from .weak import make_weak_labeler

            labeler = make_weak_labeler(cfg.weak_annotated) if cfg.weak_epochs > 0 else None
            log(f"prepared {prepare(cfg, weak_labeler=labeler)}")
        if not prepare_only:
            log(f"encoder saved to {run(cfg, resume=resume, log=log)}")

    run_guarded(go, debug)


@app.command()
def distill(
    config: Annotated[Path, typer.Option("--config", "-c", help="YAML distillation config.")],
    overrides: SetOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Teach an encoder the soft labels of fine-tuned teachers on corpus paragraphs (fine-tune a student from it)."""

    def go():
        from .config import load_config
        from .distill import DistillConfig
        from .distill import distill as run

        with config_hints():
            cfg = load_config(config, overrides, cls=DistillConfig)
        log = lambda m: typer.echo(m, err=True)  # noqa: E731
        log(f"encoder saved to {run(cfg, log=log)}")

    run_guarded(go, debug)


@app.command()
def export(
    model: Annotated[Path, typer.Option("--model", "-m", help="Model directory to export.")],
    keep_fp32: Annotated[bool, typer.Option(help="Keep the fp32 ONNX file beside the int8 one.")] = False,
    debug: DebugOpt = False,
) -> None:
    """Write an int8 dynamically quantised ONNX model next to the weights (used by `envtag tag`)."""

    def go():
        import logging

        from .export import export_onnx

        logging.getLogger().setLevel(logging.ERROR)
        for path in export_onnx(model, keep_fp32=keep_fp32):
            typer.echo(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")

    run_guarded(go, debug)


@labels_app.command("validate")
def labels_validate(files: Annotated[list[Path], typer.Argument(help="Annotation JSONL files.")]) -> None:
    """Check annotation files against the taxonomy: unknown labels, duplicates, empty text."""
    from .annotations import validate_file

    bad = 0
    for f in files:
        problems = validate_file(f)
        for p in problems:
            typer.echo(p, err=True)
        bad += len(problems)
        typer.echo(f"{f}: {'OK' if not problems else f'{len(problems)} problem(s)'}")
    if bad:
        raise typer.Exit(1)


@labels_app.command("stats")
def labels_stats(
    file: Annotated[Path, typer.Argument(help="Annotation JSONL file.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    debug: DebugOpt = False,
) -> None:
    """Label counts, co-occurrence and paragraph lengths of an annotation file."""

    def go():
        import json

        from .annotation_stats import stats

        s = stats(file)
        if as_json:
            typer.echo(json.dumps(s, ensure_ascii=False, indent=2))
            return
        typer.echo(
            f"{s['file']}: {s['paragraphs']} paragraphs, {s['content']} content "
            f"({s['label_free']} label-free), {s['non_content']} non-content"
        )
        labels = s["cooccurrence"]["labels"]
        typer.echo("label          count  " + " ".join(f"{lab[:5]:>5}" for lab in labels))
        for lab, row in zip(labels, s["cooccurrence"]["matrix"], strict=True):
            typer.echo(f"{lab:<14} {s['labels'][lab]:>5}  " + " ".join(f"{v:>5}" for v in row))
        lc = s["length_chars"]
        typer.echo(
            f"length (chars): mean {lc['mean']:.0f}, median {lc['median']:.0f}, p90 {lc['p90']:.0f}, max {lc['max']}"
        )
        typer.echo(f"labels per paragraph: {s['labels_per_paragraph']}")

    run_guarded(go, debug)


@labels_app.command("agreement")
def labels_agreement(
    file_a: Annotated[Path, typer.Argument(help="Annotator A (reference).")],
    file_b: Annotated[Path, typer.Argument(help="Annotator B.")],
    debug: DebugOpt = False,
) -> None:
    """Per-label Cohen's kappa and F1 between two annotators' files."""

    def go():
        from .annotation_stats import agreement

        r = agreement(file_a, file_b)
        typer.echo(f"{r['paragraphs']} shared paragraphs (only in A: {r['only_in_a']}, only in B: {r['only_in_b']})")
        typer.echo("label          kappa     F1")
        for lab, v in r["per_label"].items():
            typer.echo(f"{lab:<14} {v['kappa']:>5.3f}  {v['f1']:>5.3f}")
        typer.echo(
            f"mean kappa {r['mean_kappa']:.3f}, macro-F1 {r['macro_f1']:.3f}, exact match {r['exact_match']:.3f}"
        )

    run_guarded(go, debug)


@app.command()
def suggest(
    corpus: Annotated[list[str], typer.Argument(help="Unlabeled inputs: files, folders, globs.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="JSONL file to annotate.")],
    model: Annotated[str | None, typer.Option("--model", "-m", help="Model directory (default: shipped).")] = None,
    n: Annotated[int, typer.Option("-n", help="How many paragraphs to pick.")] = 200,
    per_document: Annotated[int, typer.Option(help="At most this many from one document.")] = 3,
    debug: DebugOpt = False,
) -> None:
    """Pick the paragraphs the model is least sure about, spread across documents, for annotation."""

    def go():
        from .suggest import suggest as pick
        from .suggest import write_jsonl

        if n < 1 or per_document < 1:
            fail("-n and --per-document must be >= 1")
        chosen = pick(model, corpus, n=n, per_document=per_document)
        write_jsonl(chosen, output)
        docs = len({c["doc"] for c in chosen})
        typer.echo(f"wrote {len(chosen)} paragraphs from {docs} documents to {output}", err=True)

    run_guarded(go, debug)


@app.command("soup")
def soup_cmd(
    models: Annotated[list[Path], typer.Argument(help="Tagger directories fine-tuned from the same encoder.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Directory for the averaged model.")],
    dev: Annotated[list[Path], typer.Option("--dev", help="Dev file(s) for threshold tuning (repeatable).")],
    report: Annotated[list[Path] | None, typer.Option("--report", help="Extra files scored in the card.")] = None,
    weight: Annotated[
        list[float] | None,
        typer.Option("--weight", help="One per model, in order (normalised); uniform when left out."),
    ] = None,
    greedy: Annotated[
        bool, typer.Option("--greedy", help="Keep only the models that raise the average's dev score (greedy soup).")
    ] = False,
    debug: DebugOpt = False,
) -> None:
    """Average the weights of taggers fine-tuned from one encoder; re-tune thresholds on dev."""

    def go():
        from .soup import greedy_soup, soup

        if greedy and weight:
            fail("--greedy chooses the models and averages them uniformly; leave out --weight")
        extra = report or []
        if greedy:
            out, metrics = greedy_soup(models, dev, output, extra, log=lambda m: typer.echo(m, err=True))
        else:
            out, metrics = soup(models, dev, output, extra, weights=weight or None)
        summary = ", ".join(f"{k} macro-F1 {v['macro_f1']:.4f}" for k, v in metrics.items())
        typer.echo(f"saved {out}: {summary}", err=True)

    run_guarded(go, debug)


@labels_app.command("show")
def labels_show() -> None:
    """Print the taxonomy: ids, names and definitions in model order."""
    from envtag.taxonomy import load_taxonomy

    tax = load_taxonomy()
    typer.echo(f"taxonomy version {tax.version}")
    for i, lab in enumerate(tax.labels):
        typer.echo(f"{i}  {lab.id:<12} {lab.zh:<8} {lab.definition}")
