"""How every envtag command reports failure: one line on stderr and an exit code."""

from __future__ import annotations

import typer

from .errors import EnvtagError

# The command-line flag for each library parameter an error can name.
FLAGS = {
    "model": "--model DIR",
    "text_field": "--text-field NAME",
    "resume": "--resume",
    "shard": "--shard i/n",
    "overrides": "--set KEY=VALUE",
}
# Modules that only the training extra installs.
_TRAINING_MODULES = {"torch", "transformers", "datasets", "accelerate", "evaluate", "sklearn", "onnx"}


def fail(message: str, code: int = 2) -> None:
    typer.echo(f"envtag: error: {message}", err=True)
    raise typer.Exit(code)


def with_flag(exc: Exception) -> str:
    """The error's message, with the flag of the parameter it names."""
    flag = FLAGS.get(getattr(exc, "param", None) or "")
    return f"{exc} ({flag})" if flag else str(exc)


def run_guarded(fn, debug: bool) -> None:
    """Turn known errors into one line and an exit code; tracebacks only with --debug."""
    try:
        fn()
    except typer.Exit:
        raise
    except EnvtagError as exc:
        if debug:
            raise
        fail(with_flag(exc), exc.exit_code)
    except KeyboardInterrupt:
        fail("interrupted", 130)
    except OSError as exc:  # writing the output: permission, full disk, a folder in the way
        if debug:
            raise
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        fail(f"{where}{exc.strerror or exc}", 2)
    except ModuleNotFoundError as exc:
        if debug:
            raise
        if (exc.name or "").split(".")[0] in _TRAINING_MODULES:
            fail(f"this command needs {exc.name}, part of the training extra: pip install 'envtag[train]'", 2)
        fail(f"ModuleNotFoundError: {exc} (rerun with --debug for details)", 1)
    except Exception as exc:  # noqa: BLE001 - last line of defence for users
        if debug:
            raise
        fail(
            f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''} (rerun with --debug for details)", 1
        )
