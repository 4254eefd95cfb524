"""envtag's one error tree: every user-facing error is an :class:`EnvtagError`.

The CLI turns one into a single line and the error's exit code; the library
messages speak of the library (arguments, files), the CLI adds flag hints.
"""


class EnvtagError(Exception):
    """A user-facing error: its message names the problem and the fix.

    ``param`` names the library parameter the fix concerns (``model``,
    ``text_field`` …); the CLI turns it into its flag, so library messages
    never name command-line flags."""

    exit_code = 2

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


class InputError(EnvtagError):
    """An input that cannot be read (missing, undecodable, malformed)."""

    exit_code = 2


class ModelError(EnvtagError):
    exit_code = 3


class ConfigError(EnvtagError):
    exit_code = 2


class DataError(EnvtagError):
    exit_code = 2
