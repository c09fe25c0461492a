"""Settings as `import` reads them: a key, its value as written, where it was
written, and which of Kafka's config layers it belongs to; values parsed as Kafka's
ConfigDef parses them; and the warnings `import` gives about them."""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum

from kafkamc.errors import ConfigError

LONG_MAX = 2**63 - 1            # Kafka's "never" for flush.messages
INT_BITS, LONG_BITS = 32, 64    # Java int and long
LAST_LINE = 2**31               # sorts a warning about a whole file after its lines

class Layer(IntEnum):
    """Where a value comes from; a higher layer wins (Kafka's ConfigSource order)."""

    STATIC_BROKER = 1           # server.properties (STATIC_BROKER_CONFIG)
    DYNAMIC_DEFAULT_BROKER = 2  # kafka-configs --entity-type brokers --entity-default
    DYNAMIC_BROKER = 3          # kafka-configs --entity-type brokers --entity-name ID
    TOPIC = 4                   # the topic's own config (DYNAMIC_TOPIC_CONFIG)


LAYER_OF_SOURCE: dict[str, Layer] = {
    "DYNAMIC_TOPIC_CONFIG": Layer.TOPIC,
    "DYNAMIC_BROKER_CONFIG": Layer.DYNAMIC_BROKER,
    "DYNAMIC_DEFAULT_BROKER_CONFIG": Layer.DYNAMIC_DEFAULT_BROKER,
}
_LAYER_WORDS: dict[Layer, str] = {
    Layer.TOPIC: "the topic's override",
    Layer.DYNAMIC_BROKER: "a dynamic broker config",
    Layer.DYNAMIC_DEFAULT_BROKER: "the cluster-wide dynamic broker default",
    Layer.STATIC_BROKER: "the brokers' default",
}


@dataclass(frozen=True)
class Setting:
    """One `key=value` read from a file, where it was written and what it overrides."""

    key: str        # as written (a broker key, or a topic key)
    value: str      # as Java's Properties.load gives it: escapes resolved, not trimmed
    file: str
    line: int
    layer: Layer
    # How the file names the setting when that is not Kafka's key (Strimzi's
    # `spec.replicas`, a compose file's `KAFKA_CFG_MIN_INSYNC_REPLICAS`): what a user
    # looks for in the file, so errors, warnings and origins say it.
    written: str = ""

    def error(self, message: str) -> ConfigError:
        return ConfigError(message, file=self.file, line=self.line, key=self.label)

    def warning(self, message: str) -> ImportWarning:
        return ImportWarning(message, file=self.file, line=self.line, key=self.label)

    @property
    def label(self) -> str:
        return self.written or self.key

    @property
    def text(self) -> str:
        return _java_trim(self.value)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class ImportWarning:
    """A setting that `import` ignored or could only approximate; `str()` is one line in
    ConfigError's form, `FILE:LINE: KEY: message`."""

    message: str
    file: str | None = None
    line: int | None = None
    key: str | None = None

    def __str__(self) -> str:
        if self.file is None:       # about the import as a whole, not one file
            return self.message
        where = self.file + (f":{self.line}" if self.line else "")
        return f"{where}: {self.key + ': ' if self.key else ''}{self.message}"


# ---------------------------------------------------------------------------------
# Values, parsed as Kafka's ConfigDef parses them (it trims; ints are Java ints).

def _java_trim(text: str) -> str:
    # String.trim() drops every character up to U+0020, not just whitespace.
    return text.strip("".join(map(chr, range(33))))


def java_integer(setting: Setting, *, bits: int, minimum: int, allowed: str) -> int:
    text = setting.text
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise setting.error(f"{text[:40]!r} is not an integer (Kafka refuses it); "
                            f"allowed: {allowed}")
    # Past 4,300 digits int() refuses to convert; any such number overflows a long.
    digits = text.lstrip("+-").lstrip("0")
    if len(digits) > 19 or not -(2 ** (bits - 1)) <= int(text) < 2 ** (bits - 1):
        shown = text if len(text) <= 40 else f"{text[:20]}... ({len(text)} digits)"
        raise setting.error(f"{shown} does not fit a Java {'int' if bits == 32 else 'long'} "
                            f"(Kafka refuses it); allowed: {allowed}")
    value = int(text)
    if value < minimum:
        raise setting.error(f"{value} is below {minimum} (Kafka refuses it); allowed: {allowed}")
    return value


def java_boolean(setting: Setting) -> bool:
    text = setting.text.lower()
    if text not in ("true", "false"):
        raise setting.error(f"{setting.text!r} is not a boolean (Kafka refuses it); "
                            f"allowed: true or false")
    return text == "true"


def origin_of(source: Setting | str) -> str:
    if isinstance(source, str):
        return source
    if source.written:
        return f"{source.where} {source.written}"
    if source.key == "ReplicationFactor":
        return f"{source.where} ReplicationFactor (kafka-topics.sh --describe)"
    if source.layer == Layer.STATIC_BROKER:
        return f"{source.where} {source.key}"
    return f"{source.where} {source.key}, {_LAYER_WORDS[source.layer]}"
