"""Errors raised at kafkamc's edges (config, TLC process, TLC output parser).

The CLI turns each into one clear message and an exit status; nothing else in the
package catches broad exceptions.
"""
from __future__ import annotations


class KafkamcError(Exception):
    """Base of every error kafkamc reports to a user."""

    exit_code = 3


class ConfigError(KafkamcError):
    """A config file or DSL model that kafkamc cannot accept (exit status 2).

    `str(error)` is one line: ``FILE:LINE: KEY: what is wrong; what is allowed``.
    """

    exit_code = 2

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 key: str | None = None) -> None:
        self.file, self.line, self.key, self.detail = file, line, key, message
        # Every mistake found in the same file, in the file's order, this one first
        # (config.py gathers them); the CLI prints one line each.
        self.errors: list[ConfigError] = [self]
        where = file or "<model>"
        if line is not None:
            where += f":{line}"
        super().__init__(f"{where}: {key + ': ' if key else ''}{message}")


class CheckerError(KafkamcError):
    """TLC could not give a verdict: no Java, no jar, a TLC error, a timeout (exit 3)."""

    exit_code = 3


class TlcParseError(KafkamcError):
    """TLC's output does not have the shape kafkamc expects (exit 3)."""

    exit_code = 3


class TraceFileError(KafkamcError):
    """A trace.json or TLC log given to `explain` or `render` that kafkamc cannot read
    (exit status 2: it is the user's input, not the checker, that is wrong)."""

    exit_code = 2

    def __init__(self, message: str, *, file: str) -> None:
        self.file = file
        super().__init__(f"{file}: {message}")


def one_line(text: str) -> str:
    """`text` as one printable line: a value echoed in a message may hold a newline, a
    control character or a lone surrogate, which would split the message or fail to
    print."""
    return "".join(char if char.isprintable() else ascii(char)[1:-1] for char in text)


class OutputError(KafkamcError):
    """A file kafkamc must write could not be written for a reason of the machine's,
    such as a full disk (exit 3: the environment failed, not the input)."""

    exit_code = 3

    def __init__(self, message: str, *, file: str) -> None:
        self.file = file
        super().__init__(message)


class ManyErrors(KafkamcError):
    """Several inputs are wrong at once (regress names every broken config): one line each."""

    def __init__(self, errors: list[KafkamcError]) -> None:
        self.errors = errors
        self.exit_code = max(error.exit_code for error in errors)
        super().__init__("\n".join(str(error) for error in errors))
