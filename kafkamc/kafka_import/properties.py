"""Java .properties files (server.properties, a producer's, a topic's), read as
`java.util.Properties.load` reads them."""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from kafkamc.errors import ConfigError
from kafkamc.kafka_import.settings import ImportWarning, Layer, Setting

# ---------------------------------------------------------------------------------
# Java .properties files, read as java.util.Properties.load reads them.

_BLANK = " \t\f"           # what Properties.load skips before a key and around a separator
_KEY_END = "=: \t\f"
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


def read_properties(file: str, what: str) -> list[Setting]:
    """Every `key=value` of a .properties file, in order (a later duplicate wins in
    Kafka, as in Java)."""
    return parse_properties(read_file(file, what), file)


def parse_properties(text: str, file: str, layer: Layer = Layer.STATIC_BROKER) -> list[Setting]:
    """Java's Properties.load: `#` and `!` comments, `key=value`, `key: value` and
    `key value`, a trailing backslash continues the line, and `\\t`, `\\uXXXX` and
    `\\x` (any other character, kept) escapes."""
    settings = []
    for number, line in _logical_lines(text):
        key, value = _split_key_value(line, file, number)
        settings.append(Setting(key, value, file, number, layer))
    return settings


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, text) of each logical line, continuations joined."""
    lines = re.split(r"\r\n|\r|\n", text)
    index = 0
    while index < len(lines):
        number, line = index + 1, lines[index].lstrip(_BLANK)
        index += 1
        if not line or line[0] in "#!":
            continue        # a comment line never continues, even if it ends with '\'
        while _continues(line):
            line = line[:-1]
            if index == len(lines):
                break       # Java drops a backslash at the end of the file
            line += lines[index].lstrip(_BLANK)
            index += 1
        yield number, line


def _continues(line: str) -> bool:
    # An odd number of trailing backslashes: the last one escapes the line break.
    trailing = len(line) - len(line.rstrip("\\"))
    return trailing % 2 == 1


def _split_key_value(line: str, file: str, number: int) -> tuple[str, str]:
    end, escaped = 0, False
    while end < len(line):
        char = line[end]
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in _KEY_END:
            break
        end += 1
    start, separated = end, False
    while start < len(line):
        char = line[start]
        if char in "=:" and not separated:
            separated = True
        elif char not in _BLANK:
            break
        start += 1
    key = _unescape(line[:end], file, number, None)
    return key, _unescape(line[start:], file, number, key)


def _unescape(text: str, file: str, number: int, key: str | None) -> str:
    out, index = [], 0
    while index < len(text):
        char = text[index]
        index += 1
        if char != "\\" or index == len(text):
            out.append(char)
            continue
        code = text[index]
        index += 1
        if code == "u":
            digits = text[index:index + 4]
            if not re.fullmatch(r"[0-9A-Fa-f]{4}", digits):
                raise ConfigError(f"malformed \\u escape '\\u{digits}' (Java's Properties.load "
                                  f"refuses the file); allowed: \\u and four hex digits",
                                  file=file, line=number, key=key)
            out.append(chr(int(digits, 16)))
            index += 4
        else:
            out.append(_ESCAPES.get(code, code))
    return "".join(out)


def read_file(file: str, what: str) -> str:
    """A file's text as Kafka reads it: Utils.loadProps gives the bytes to
    Properties.load(InputStream), which decodes ISO-8859-1, so no byte is an error."""
    try:
        data = Path(file).read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"no such file; allowed: the path of {what}", file=file) from None
    except IsADirectoryError:
        raise ConfigError(f"it is a directory; allowed: the path of {what}", file=file) from None
    except OSError as error:
        raise ConfigError(f"cannot read it: {error.strerror or error}", file=file) from None
    return data.decode("iso-8859-1")


def by_key(settings: Iterable[Setting], what: str,
           warnings: list[ImportWarning]) -> dict[str, Setting]:
    """The settings by key; Kafka keeps the last of a key given twice, and says nothing
    (nor do the operators and images that write server.properties from YAML)."""
    found: dict[str, Setting] = {}
    for setting in settings:
        earlier = found.get(setting.key)
        if earlier is not None and earlier.value != setting.value:
            warnings.append(setting.warning(
                f"given twice in this {what} (first on line {earlier.line}); Kafka uses the "
                f"last one, {setting.text!r}"))
        found[setting.key] = setting
    return found


def server_settings(text: str, file: str, warnings: list[ImportWarning]) -> dict[str, Setting]:
    """A server.properties' settings by key, from its text."""
    if text.startswith("\u00ef\u00bb\u00bf"):
        warnings.append(ImportWarning(
            "the file starts with a UTF-8 byte order mark, which Java reads as part of the "
            "first key, so Kafka does not see that key", file=file, line=1))
    return by_key(parse_properties(text, file), "server.properties", warnings)


def read_producer_settings(file: str, warnings: list[ImportWarning]) -> dict[str, Setting]:
    return by_key(read_properties(file, "a producer's .properties"), "producer config",
                   warnings)
