"""The tagging CLI: a thin typer layer over :mod:`envtag.tagger`.

Exit codes: 0 all inputs tagged; 1 some inputs could not be read (the rest
were tagged and the failures reported); 2 bad usage or input; 3 model error.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from .errors import EnvtagError

app = typer.Typer(
    name="envtag",
    help="Tag paragraphs of Chinese environmental-policy texts (air, water, soil, carbon, enforcement, supervision).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def fail(message: str, code: int = 2) -> None:
    typer.echo(f"envtag: error: {message}", err=True)
    raise typer.Exit(code)


def run_guarded(fn, debug: bool) -> None:
    """Turn known errors into one line and an exit code; tracebacks only with --debug."""
    try:
        fn()
    except typer.Exit:
        raise
    except EnvtagError as exc:
        if debug:
            raise
        fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        fail("interrupted", 130)
    except Exception as exc:  # noqa: BLE001 - last line of defence for users
        if debug:
            raise
        fail(
            f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''} (rerun with --debug for details)", 1
        )


@app.command()
def tag(
    paths: Annotated[list[str], typer.Argument(help="Files, directories, globs, or - for stdin.")],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write .jsonl or .csv here (default: JSONL to stdout).")
    ] = None,
    model: Annotated[
        str | None, typer.Option("--model", "-m", help="Model directory (default: shipped model).")
    ] = None,
    batch_size: Annotated[int, typer.Option(help="Paragraphs per prediction batch.")] = 64,
    evidence: Annotated[bool, typer.Option("--evidence/--no-evidence", help="Add evidence sentences.")] = True,
    text_field: Annotated[str, typer.Option(help="Text field/column for JSONL/CSV inputs.")] = "text",
    debug: Annotated[bool, typer.Option(help="Show tracebacks.")] = False,
) -> None:
    """Tag every paragraph of the inputs; every paragraph gets one output record."""
    run_guarded(lambda: _tag(paths, output, model, batch_size, evidence, text_field), debug)


def _tag(paths, output, model, batch_size, evidence, text_field) -> None:
    from tqdm import tqdm

    from .output import CsvWriter, JsonlWriter, record
    from .readers import InputError, expand_inputs, iter_paragraphs, iter_stdin_paragraphs
    from .tagger import Tagger, check_compatible

    if batch_size < 1:
        fail("--batch-size must be >= 1")
    if output is not None and output.suffix.lower() not in (".jsonl", ".csv", ".json"):
        fail(f"output {output}: use a .jsonl or .csv file name")
    try:
        inputs = expand_inputs(list(paths))
    except InputError as exc:
        fail(str(exc))
    tagger = Tagger.from_pretrained(model)
    for note in check_compatible(tagger.settings):
        typer.echo(f"envtag: warning: {note}", err=True)

    out_fh = open(output, "w", encoding="utf-8", newline="") if output else sys.stdout  # noqa: SIM115 - closed below
    writer = CsvWriter(out_fh, tagger.labels) if output and output.suffix.lower() == ".csv" else JsonlWriter(out_fh)
    failures = 0
    totals = Counter()
    bar = tqdm(desc="paragraphs", unit="par", file=sys.stderr, disable=None)
    try:
        for item in inputs:
            stream = (
                iter_stdin_paragraphs(sys.stdin) if item == "-" else iter_paragraphs(Path(item), text_field=text_field)
            )
            doc_counts: Counter = Counter()
            batch = []
            try:
                for par in stream:
                    batch.append(par)
                    if len(batch) >= batch_size:
                        _flush(tagger, batch, writer, record, doc_counts, evidence, batch_size)
                        bar.update(len(batch))
                        batch = []
                if batch:
                    _flush(tagger, batch, writer, record, doc_counts, evidence, batch_size)
                    bar.update(len(batch))
            except InputError as exc:
                if batch:  # paragraphs read before the error are still tagged
                    _flush(tagger, batch, writer, record, doc_counts, evidence, batch_size)
                failures += 1
                typer.echo(f"envtag: skipped input: {exc}", err=True)
            name = "<stdin>" if item == "-" else str(item)
            totals.update(doc_counts)
            if doc_counts["paragraphs"] == 0 and not failures:
                typer.echo(f"{name}: no paragraphs (empty input)", err=True)
            else:
                labs = ", ".join(f"{k[6:]} {v}" for k, v in sorted(doc_counts.items()) if k.startswith("label:"))
                typer.echo(
                    f"{name}: {doc_counts['paragraphs']} paragraphs, {doc_counts['tagged']} tagged, "
                    f"{doc_counts['skipped']} skipped" + (f" | {labs}" if labs else ""),
                    err=True,
                )
    finally:
        bar.close()
        writer.close()
        if output:
            out_fh.close()
    typer.echo(
        f"total: {len(inputs)} inputs, {totals['paragraphs']} paragraphs, {totals['tagged']} tagged, "
        f"{totals['skipped']} skipped, {failures} inputs failed",
        err=True,
    )
    if failures:
        raise typer.Exit(1)


def _flush(tagger, batch, writer, record, counts: Counter, evidence: bool, batch_size: int) -> None:
    preds = tagger.predict([p.text for p in batch], batch_size=batch_size, evidence=evidence)
    for par, pred in zip(batch, preds, strict=True):
        writer.write(record(par, pred))
        counts["paragraphs"] += 1
        if pred.skipped:
            counts["skipped"] += 1
        else:
            counts["tagged"] += 1
            for lab in pred.labels:
                counts[f"label:{lab}"] += 1


def main() -> None:  # pragma: no cover - console entry without training commands
    app()
