"""What every kafkamc command shares, whatever typer's defaults are: help that names each
value the way a man page does (`FILE...`, `--out DIR`, a flag alone) and never by its
Python type (`<bool>`, `<list[Path]>`, `{files}`), one JSON error object on stdout
when `--json` was asked for and the command fails, and a quiet exit when the reader of
stdout has gone (`kafkamc check x | head`).

`App` is a `typer.Typer` whose commands get these conventions, `StdoutConsole` the
console they print on; cli.py declares the commands, their metavars and their help.
"""
from __future__ import annotations

import json
import os
import sys
from contextvars import ContextVar
from typing import Any

import typer
from rich.console import Console
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

# The shell's status for a process killed by SIGPIPE (128 + 13): what `yes | head` gives
# under `set -o pipefail`. Not 1, which says that a verdict differs.
PIPE_CLOSED = 141

# Whether the running command was given --json (every command names that flag `as_json`).
_as_json: ContextVar[bool] = ContextVar("as_json", default=False)


class _Argument(TyperArgument):
    """An argument shown by its metavar alone, in Click's convention: `FILE...` when
    required, `[PATH]...` when not (typer would write `{files}` and `<list[Path]>`)."""

    @property
    def display_name_raw(self) -> str:
        return self.metavar or (self.name or "").upper()

    def display_type_rich(self, ctx: Any) -> str | None:
        return None

    def _usage_display_name(self) -> str:
        name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
        return name + ("..." if self.nargs != 1 else "")


def _without_type(option: TyperOption | None) -> None:
    """A flag takes no value, so its help shows none (typer would show `<bool>`)."""
    if option is not None and option.is_flag and option.metavar is None:
        option.metavar = ""


class Command(TyperCommand):
    """A kafkamc command: its parameters shown by metavar, and a closed stdout pipe
    ending it with PIPE_CLOSED and no traceback."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if type(param) is TyperArgument:
                # typer builds its own argument class; only how it is shown changes.
                param.__class__ = _Argument
            elif isinstance(param, TyperOption):
                _without_type(param)

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        _without_type(option)
        return option

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        json_given = "--json" in args       # before the parser consumes `args`
        try:
            return super().parse_args(ctx, args)
        except typer.TyperException as error:     # a usage error, said on stderr by typer
            if json_given:
                # Click's exceptions say which option was wrong in format_message().
                message = getattr(error, "format_message", error.__str__)()
                print_error_object([{"message": message, "file": None, "line": None,
                                     "key": None}], getattr(error, "exit_code", 2))
            raise

    def invoke(self, ctx: Any) -> Any:
        _as_json.set(bool(ctx.params.get("as_json")))
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            # typer would exit 1 here, the status of a differing verdict.
            _silence_stdout()
            raise typer.Exit(PIPE_CLOSED) from None


class Group(TyperGroup):
    """The top level: `--version` and `--help` shown as flags."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if isinstance(param, TyperOption):
                _without_type(param)

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        _without_type(option)
        return option


class App(typer.Typer):
    """A typer app whose commands are `Command`s and whose top level is a `Group`."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cls=Group, **kwargs)

    def command(self, *args: Any, **kwargs: Any) -> Any:
        return super().command(*args, cls=kwargs.pop("cls", Command), **kwargs)


class StdoutConsole(Console):
    """A rich console on stdout that ends kafkamc with PIPE_CLOSED when the reader has
    gone (rich's own choice is exit status 1)."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        _silence_stdout()
        raise typer.Exit(PIPE_CLOSED)


def json_requested() -> bool:
    """Whether the running command was given --json."""
    return _as_json.get()


def print_error_object(errors: list[dict[str, Any]], exit_status: int) -> None:
    """The one JSON object on stdout of a command given --json that fails (README's
    "Errors under --json"): each error's one-line message and, where known, its file,
    line and key."""
    print(json.dumps({"exit_status": exit_status, "errors": errors}, indent=2))


def stdout_flushed() -> bool:
    """Flush what is left on stdout; False if its reader has gone. Output that Python
    buffered until exit would otherwise fail there, with a traceback-like message."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        return False
    return True


def _silence_stdout() -> None:
    # Python's own flush at exit must not fail again on the closed pipe.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
