"""The ``envtag`` CLI: tagging and reports, a thin typer layer over :mod:`envtag.tagger`.

More commands (training, evaluation, annotation tools) come from plugins: every
entry point of the ``envtag.commands`` group is a function ``register(app)``,
called when this module is imported.

Exit codes: 0 all inputs tagged; 1 some inputs or records could not be read
(the rest were tagged and the failures reported); 2 bad usage or input; 3 model error.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from .cli_errors import FLAGS, fail, run_guarded

app = typer.Typer(
    name="envtag",
    help="Tag paragraphs of Chinese environmental-policy texts (air, water, soil, carbon, enforcement, supervision).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: flags read "--resume / --no-resume", with no "<bool>" column
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from . import __version__

        typer.echo(f"envtag {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Tag paragraphs of Chinese environmental-policy texts (air, water, soil, carbon, enforcement, supervision)."""


TitleField = Annotated[
    str, typer.Option(help="Field/column holding each JSONL/CSV record's document title, when it has one.")
]
Titles = Annotated[
    bool,
    typer.Option(
        "--titles/--no-titles",
        help="Read each paragraph with its document's title (a record's title field; a file's first content "
        "paragraph), for models trained with title context; --no-titles reads every paragraph alone.",
    ),
]


@app.command()
def tag(
    paths: Annotated[list[str], typer.Argument(help="Files, directories, globs, or - for stdin.")],
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write .jsonl, .csv or .xlsx here (default: JSONL to stdout)."),
    ] = None,
    model: Annotated[
        str | None, typer.Option("--model", "-m", help="Model directory (default: shipped model).")
    ] = None,
    batch_size: Annotated[
        int, typer.Option(help="Kept for compatibility: every window is scored alone, so results never depend on it.")
    ] = 64,
    evidence: Annotated[bool, typer.Option("--evidence/--no-evidence", help="Add evidence sentences.")] = True,
    text_field: Annotated[str, typer.Option(help="Text field/column for JSONL/CSV inputs.")] = "text",
    id_field: Annotated[str, typer.Option(help="Id field/column for JSONL/CSV inputs (carried as id).")] = "id",
    title_field: TitleField = "title",
    titles: Titles = True,
    paragraphs: Annotated[
        str,
        typer.Option(
            help="Plain text: 'lines' (one paragraph per line), 'blank' (blank-line separated), "
            "'auto' (rejoin hard-wrapped lines, keep one-per-line files)."
        ),
    ] = "auto",
    jobs: Annotated[
        str,
        typer.Option(
            help="Worker processes, each with its own model copy: N, or 'auto' (one per core, at most 8). "
            "A short input is tagged in this process. Records are the same for any N."
        ),
    ] = "auto",
    stdin_format: Annotated[
        str, typer.Option("--format", help="What stdin (-) holds: auto (sniffed), txt, jsonl, csv or tsv.")
    ] = "auto",
    shard: Annotated[
        str | None,
        typer.Option(help="Tag only shard i of n (i/n) of the input files, by a stable hash of each path."),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="Keep the records already in the -o .jsonl file and tag only the rest "
            "(without it an existing output file is overwritten).",
        ),
    ] = False,
    summary: Annotated[
        bool,
        typer.Option(
            "--summary",
            help="Also write one summary record per document (label counts and shares over content "
            'paragraphs): a {"type": "summary"} line in JSONL, a FILE.summary.csv beside CSV output.',
        ),
    ] = False,
    debug: Annotated[bool, typer.Option(help="Show tracebacks.")] = False,
) -> None:
    """Tag every paragraph of the inputs; every paragraph gets one output record."""
    options, n_jobs = _options(batch_size, evidence, text_field, summary, paragraphs, stdin_format, jobs)
    options.id_field, options.title_field, options.titles = id_field, title_field, titles
    run_guarded(lambda: _tag(paths, output, model, options, shard=shard, resume=resume, jobs=n_jobs), debug)


def _options(batch_size, evidence, text_field, summary, paragraphs, stdin_format, jobs):
    """Checked tagging options and the number of worker processes."""
    from .paragraphs import MODES
    from .parallel import resolve_jobs
    from .readers import STDIN_FORMATS
    from .tagging import TagOptions

    if batch_size < 1:
        fail("--batch-size must be >= 1")
    if paragraphs not in MODES:
        fail(f"--paragraphs must be one of {', '.join(MODES)}")
    if stdin_format not in STDIN_FORMATS:
        fail(f"--format must be one of {', '.join(STDIN_FORMATS)}")
    try:
        n_jobs = resolve_jobs(jobs)
    except ValueError as exc:
        fail(f"--{exc}")
    options = TagOptions(batch_size, evidence, text_field, summary=summary, paragraphs=paragraphs)
    options.stdin_format = stdin_format
    return options, n_jobs


def _tag(paths, output, model, options, shard=None, resume=False, jobs: int = 1) -> None:
    from tqdm import tqdm

    from .output import record
    from .readers import expand_inputs
    from .tagger import Tagger, check_compatible
    from .tagging import tag_inputs

    if output is not None and output.suffix.lower() not in (".jsonl", ".csv", ".json", ".xlsx"):
        fail(f"output {output}: use a .jsonl, .csv or .xlsx file name")
    left_out: Counter = Counter()
    inputs = expand_inputs(list(paths), left_out)
    if left_out:
        kinds = ", ".join(f"{n} {suffix}" for suffix, n in sorted(left_out.items()))
        typer.echo(f"envtag: left out files of types envtag does not read: {kinds}", err=True)
    if output is not None and output.exists():
        inputs = _without_output(inputs, output)
    if shard is not None:
        inputs = _select_shard(inputs, shard)
    options.done = _resume_state(output, inputs) if resume else set()
    tagger = Tagger.from_pretrained(model)
    for note in check_compatible(tagger.settings):
        typer.echo(f"envtag: warning: {note}", err=True)
    writer, out_fh = _writer(output, tagger.labels, resume)
    bar = tqdm(desc="paragraphs", unit="par", file=sys.stderr, disable=None)
    if jobs > 1:
        from .parallel import ParallelTagger

        options.pool = ParallelTagger(tagger, jobs)
    try:
        stats = tag_inputs(tagger, inputs, writer, record, options, _notify, bar.update)
    finally:
        if options.pool is not None:
            options.pool.close()
        bar.close()
        writer.close()
        if out_fh is not None:
            out_fh.close()
    typer.echo(f"total: {len(inputs)} inputs, {stats.totals.line()}, {stats.failed_inputs} inputs failed", err=True)
    if inputs and stats.failed_inputs == len(inputs):
        typer.echo(f"envtag: error: none of the {len(inputs)} inputs could be read", err=True)
    if stats.failed_inputs or stats.totals.malformed:
        raise typer.Exit(1)


def _notify(message: str, param: str | None = None) -> None:
    """A library message on stderr, with the flag that fixes it."""
    flag = FLAGS.get(param or "")
    typer.echo(f"{message} ({flag})" if flag else message, err=True)


def _writer(output: Path | None, labels: list[str], resume: bool):
    """The record writer for ``-o`` (JSONL, CSV with a BOM, or Excel) and the file it owns."""
    from .output import CsvWriter, JsonlWriter, XlsxWriter

    if output is None:
        return JsonlWriter(sys.stdout), None
    output.parent.mkdir(parents=True, exist_ok=True)
    suffix = output.suffix.lower()
    if suffix == ".xlsx":
        return XlsxWriter(output, labels), None
    encoding = "utf-8-sig" if suffix == ".csv" else "utf-8"  # a BOM lets Excel on Windows read UTF-8 CSV
    fh = open(output, "a" if resume else "w", encoding=encoding, newline="")  # noqa: SIM115 - closed by _tag
    return (CsvWriter(fh, labels) if suffix == ".csv" else JsonlWriter(fh)), fh


def _without_output(inputs: list, output: Path) -> list:
    """The inputs less the output file (a folder being tagged into itself):
    reading its own records would tag them again."""
    own = output.resolve()
    kept = [item for item in inputs if item == "-" or Path(item).resolve() != own]
    if len(kept) < len(inputs):
        if not kept:
            fail(f"the only input is the output file {output}; write the output elsewhere")
        typer.echo(f"envtag: warning: not reading the output file {output} as an input", err=True)
    return kept


def _resume_state(output: Path | None, inputs: list) -> set[tuple[str, int]]:
    """``(source, index)`` pairs already in the output of an interrupted run
    (a torn last line is cut off); empty when the output does not exist yet."""
    from .resume import records_done

    if output is None or output.suffix.lower() not in (".jsonl", ".json"):
        fail("--resume needs .jsonl output (-o FILE.jsonl)")
    if not output.exists():
        return set()
    done = records_done(output)
    names = {"<stdin>" if item == "-" else str(item) for item in inputs}
    strays = {source for source, _ in done} - names
    if strays:
        typer.echo(
            f"envtag: warning: {output} has records of {len(strays)} source(s) not among these inputs "
            f"(e.g. {sorted(strays)[0]}); resume with the same input arguments as the first run",
            err=True,
        )
    typer.echo(f"envtag: resuming: {len(done)} records already in {output}", err=True)
    return done


def _select_shard(inputs: list, spec: str) -> list:
    """The inputs of ``--shard i/n`` (see :mod:`envtag.sharding`)."""
    from .sharding import parse_shard, select_shard

    try:
        i, n = parse_shard(spec)
    except ValueError as exc:
        fail(f"--{exc}")  # "--shard '3': expected i/n …"
    if "-" in inputs:
        fail("--shard partitions input files; it cannot be combined with stdin (-)")
    chosen = select_shard(inputs, i, n)
    typer.echo(f"shard {i}/{n}: {len(chosen)} of {len(inputs)} inputs", err=True)
    return chosen


@app.command()
def report(
    paths: Annotated[
        list[str], typer.Argument(help="Inputs to tag (files, folders, globs), or envtag JSONL with --tagged.")
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="HTML file to write.")] = Path("report.html"),
    model: Annotated[str | None, typer.Option("--model", "-m", help="Model directory (default: shipped).")] = None,
    tagged: Annotated[bool, typer.Option(help="Inputs are JSONL written by `envtag tag`; do not re-tag.")] = False,
    title: Annotated[str, typer.Option(help="Report title.")] = "envtag report",
    debug: Annotated[bool, typer.Option(help="Show tracebacks.")] = False,
) -> None:
    """One self-contained HTML report: documents × labels overview, per-document label shares,
    paragraphs with label chips and highlighted evidence."""

    def go():
        import json

        from .report import group_records, render_report

        records: list[dict] = []
        if tagged:
            for p in paths:
                with open(p, encoding="utf-8") as fh:
                    records.extend(json.loads(line) for line in fh if line.strip())
            labels = _labels_of(records)
        else:
            from .output import record
            from .readers import expand_inputs, iter_inputs
            from .tagger import Tagger
            from .tagging import predict_stream

            tagger = Tagger.from_pretrained(model)
            labels = tagger.labels
            pairs = predict_stream(tagger, iter_inputs(expand_inputs(list(paths))))
            records.extend(record(par, pred) for par, pred in pairs)
        docs = group_records(records)
        output.write_text(render_report(docs, labels, title=title), encoding="utf-8")
        typer.echo(f"wrote {output}: {len(docs)} documents, {len(records)} paragraphs", err=True)

    run_guarded(go, debug)


@app.command()
def serve(
    model: Annotated[str | None, typer.Option("--model", "-m", help="Model directory (default: shipped).")] = None,
    host: Annotated[str, typer.Option(help="Interface to bind; 0.0.0.0 exposes the service to the network.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    api_key: Annotated[
        str | None,
        typer.Option(help="Require this key (X-API-Key header) on every /v1 route.", envvar="ENVTAG_API_KEY"),
    ] = None,
    max_texts: Annotated[int, typer.Option(help="Most paragraphs per request or file.")] = 2000,
    max_mb: Annotated[float, typer.Option(help="Largest request body or file, in MB.")] = 5.0,
    debug: Annotated[bool, typer.Option(help="Show tracebacks.")] = False,
) -> None:
    """A local HTTP service: POST /v1/tag, POST /v1/tag/file, GET /v1/model, a page at /, docs at /docs."""

    def go():
        try:
            import uvicorn
        except ModuleNotFoundError:
            fail("envtag serve needs the serve extra: pip install 'envtag[serve]'")
        from .serve import Limits, create_app
        from .tagger import Tagger

        limits = Limits(max_body_bytes=int(max_mb * 1024 * 1024), max_texts=max_texts)
        app_ = create_app(Tagger.from_pretrained(model), api_key=api_key, limits=limits)
        typer.echo(f"envtag: serving on http://{host}:{port} (docs at /docs)", err=True)
        uvicorn.run(app_, host=host, port=port, log_level="warning")

    run_guarded(go, debug)


def _labels_of(records: list[dict]) -> list[str]:
    """Label order of tagged records: the order of their score keys."""
    for rec in records:
        if rec.get("scores"):
            return list(rec["scores"])
    from .taxonomy import label_ids

    return label_ids()


def load_plugins(target: typer.Typer) -> None:
    """Let every ``envtag.commands`` entry point add its commands to ``target``."""
    from importlib.metadata import entry_points

    for ep in entry_points(group="envtag.commands"):
        try:
            ep.load()(target)
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not break tagging
            typer.echo(f"envtag: warning: command plugin {ep.name!r} not loaded: {exc}", err=True)


load_plugins(app)


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
