"""Errors that the CLI turns into a one-line message and a non-zero exit."""


class EnvtagError(Exception):
    """A user-facing error: its message names the problem and the fix."""

    exit_code = 2


class ModelError(EnvtagError):
    exit_code = 3


class ConfigError(EnvtagError):
    exit_code = 2


class DataError(EnvtagError):
    exit_code = 2
