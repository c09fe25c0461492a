"""`kafkamc import`: a kafkamc config from Kafka's own files.

Reads a broker's `server.properties`, optionally what a topic overrides (the output of
`kafka-configs.sh --describe --entity-type topics`, of `kafka-topics.sh --describe`, or a
plain topic .properties file) and a producer's .properties, and resolves each setting
kafkamc models the way Kafka does:

    the topic's override  >  a dynamic broker config  >  server.properties  >  Kafka's default

A setting that no file gives stays unset in the model, so the default of the chosen
Kafka release applies (`kafkamc eras`). Every setting that is not mapped is reported as
a warning; a value Kafka would refuse, or kafkamc cannot model, is a ConfigError that
names the file, line and key.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any

from kafkamc.config import NAME_CHARS, Model
from kafkamc.eras import ELR_AVAILABLE, KEY_INTRODUCED, at_least, era_for, parse_version
from kafkamc.errors import ConfigError, one_line
from kafkamc.protocol import IBP_KEY, KRAFT_FROM, parse_protocol

# The starting fault budget and bounds: Kafka's files say nothing about either.
DEFAULT_FAULTS: dict[str, int] = {"crashes": 1}
DEFAULT_BOUNDS: dict[str, int] = {"records": 2}

LONG_MAX = 2**63 - 1            # Kafka's "never" for flush.messages
INT_BITS, LONG_BITS = 32, 64    # Java int and long
LAST_LINE = 2**31               # sorts a warning about a whole file after its lines

class Layer(IntEnum):
    """Where a value comes from; a higher layer wins (Kafka's ConfigSource order)."""

    STATIC_BROKER = 1           # server.properties (STATIC_BROKER_CONFIG)
    DYNAMIC_DEFAULT_BROKER = 2  # kafka-configs --entity-type brokers --entity-default
    DYNAMIC_BROKER = 3          # kafka-configs --entity-type brokers --entity-name ID
    TOPIC = 4                   # the topic's own config (DYNAMIC_TOPIC_CONFIG)


_LAYER_OF_SOURCE: dict[str, Layer] = {
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

    def error(self, message: str) -> ConfigError:
        return ConfigError(message, file=self.file, line=self.line, key=self.key)

    def warning(self, message: str) -> ImportWarning:
        return ImportWarning(message, file=self.file, line=self.line, key=self.key)

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


@dataclass(frozen=True)
class Imported:
    """The model read from Kafka's files, what it ignored, and where each value came from."""

    model: Model
    warnings: tuple[ImportWarning, ...]
    origins: Mapping[str, str]      # YAML key -> where its value came from
    files: tuple[str, ...]          # "role: path" of every file read

    def to_yaml(self) -> str:
        """The model's YAML (Model.to_yaml) with comments: where each value came from,
        which defaults apply, and that faults and bounds are to be edited."""
        lines = [_annotated(line, self.origins) for line in self.model.to_yaml().splitlines()]
        body = "\n".join(_with_faults_comment(lines)) + "\n"
        return "\n".join(_header(self)) + "\n" + body


# ---------------------------------------------------------------------------------
# What kafkamc maps, and why it ignores the rest.

# Broker key -> the topic config it is the default of (LogConfig's synonyms).
BROKER_TO_TOPIC: dict[str, str] = {
    "min.insync.replicas": "min.insync.replicas",
    "unclean.leader.election.enable": "unclean.leader.election.enable",
    "log.flush.interval.messages": "flush.messages",
}
TOPIC_TO_BROKER: dict[str, str] = {topic: broker for broker, topic in BROKER_TO_TOPIC.items()}
# Keys `import` reads from server.properties besides the topic defaults.
BROKER_READ = ("default.replication.factor", "inter.broker.protocol.version", "process.roles",
               "auto.leader.rebalance.enable")
PRODUCER_READ = ("acks",)

_ISR_TIMING = ("kafkamc lets a lagging follower leave the ISR at any moment, which covers "
               "every value of this timeout")
_FETCH_TUNING = ("fetch tuning: kafkamc's followers fetch any number of records at any "
                 "moment, which covers every value")
_DETECTION = ("failure detection timing: kafkamc's controller notices a failed or cut-off "
              "broker after any delay")
_TIMED_FLUSH = ("a timed fsync is not modelled: kafkamc knows an fsync on every append "
                "(flush.messages=1) or none, and without one the OS writes data back at any "
                "moment, which covers a timed flush")
_REBALANCE_TIMING = ("rebalance timing: with auto.leader.rebalance.enable kafkamc's controller "
                     "moves leadership back to the preferred replica at any moment, which "
                     "covers every interval and every imbalance percentage below 100")
_GRACEFUL = ("kafkamc's clean restarts (faults.clean_restarts) are controlled shutdowns, as "
             "with Kafka's default controlled.shutdown.enable=true; retries are not modelled")
_INTERNAL_TOPIC = "applies to Kafka's internal topic {}, not to the modelled topic"
_THROTTLE = "throttling only slows fetches, and kafkamc's followers may lag by any amount"
_CHECKPOINT = "checkpoint lag is not modelled: a restarted broker keeps what it wrote"
_NO_RESEND = ("kafkamc's producer sends each record once and never resends it, so resends "
              "(and the duplicates or reordering they cause) are outside the model")

# Settings that bear on replication but that kafkamc does not model: each one ignored is
# a warning of its own, with the reason.
BROKER_UNMODELLED: dict[str, str] = {
    "replica.lag.time.max.ms": _ISR_TIMING,
    "replica.lag.max.messages": "removed in Kafka 0.9; " + _ISR_TIMING,
    "num.replica.fetchers": _FETCH_TUNING,
    "replica.fetch.max.bytes": _FETCH_TUNING,
    "replica.fetch.min.bytes": _FETCH_TUNING,
    "replica.fetch.wait.max.ms": _FETCH_TUNING,
    "replica.fetch.backoff.ms": _FETCH_TUNING,
    "replica.fetch.response.max.bytes": _FETCH_TUNING,
    "replica.socket.timeout.ms": _FETCH_TUNING,
    "replica.socket.receive.buffer.bytes": _FETCH_TUNING,
    "replica.high.watermark.checkpoint.interval.ms": _CHECKPOINT,
    "log.flush.interval.ms": _TIMED_FLUSH,
    "log.flush.scheduler.interval.ms": _TIMED_FLUSH,
    "log.flush.offset.checkpoint.interval.ms": _CHECKPOINT,
    "log.flush.start.offset.checkpoint.interval.ms": _CHECKPOINT,
    "leader.imbalance.check.interval.seconds": _REBALANCE_TIMING,
    "leader.imbalance.per.broker.percentage": _REBALANCE_TIMING,
    "controlled.shutdown.enable": _GRACEFUL,
    "controlled.shutdown.max.retries": _GRACEFUL,
    "controlled.shutdown.retry.backoff.ms": _GRACEFUL,
    "zookeeper.session.timeout.ms": _DETECTION,
    "zookeeper.connection.timeout.ms": _DETECTION,
    "broker.session.timeout.ms": _DETECTION,
    "broker.heartbeat.interval.ms": _DETECTION,
    "offsets.topic.replication.factor": _INTERNAL_TOPIC.format("__consumer_offsets"),
    "transaction.state.log.replication.factor": _INTERNAL_TOPIC.format("__transaction_state"),
    "transaction.state.log.min.isr": _INTERNAL_TOPIC.format("__transaction_state"),
    "num.partitions": "kafkamc models one partition, and each partition replicates on its own",
    "broker.rack": "rack-aware placement is not modelled: kafkamc's faults may hit any broker",
    "replica.selector.class": ("reading from followers (KIP-392) is not modelled: kafkamc's "
                               "readers read from the leader"),
    "leader.replication.throttled.rate": _THROTTLE,
    "follower.replication.throttled.rate": _THROTTLE,
    "zookeeper.metadata.migration.enable": "a ZooKeeper-to-KRaft migration is not modelled",
    "unclean.leader.election.interval.ms": ("election timing: kafkamc's controller holds an "
                                            "unclean election after any delay"),
    "remote.log.storage.system.enable": "tiered storage (KIP-405) is not modelled",
}
TOPIC_UNMODELLED: dict[str, str] = {
    "flush.ms": _TIMED_FLUSH,
    "leader.replication.throttled.replicas": _THROTTLE,
    "follower.replication.throttled.replicas": _THROTTLE,
    "remote.storage.enable": "tiered storage (KIP-405) is not modelled",
}
PRODUCER_UNMODELLED: dict[str, str] = {
    "enable.idempotence": ("idempotence removes the duplicates of resends, and " + _NO_RESEND),
    "retries": _NO_RESEND,
    "delivery.timeout.ms": _NO_RESEND,
    "request.timeout.ms": _NO_RESEND,
    "retry.backoff.ms": _NO_RESEND,
    "retry.backoff.max.ms": _NO_RESEND,
    "max.in.flight.requests.per.connection": (
        "in-flight limits matter for the order of resent batches, and " + _NO_RESEND),
    "transactional.id": "transactions are not modelled: kafkamc checks plain writes",
    "transaction.timeout.ms": "transactions are not modelled: kafkamc checks plain writes",
    "metadata.max.age.ms": ("kafkamc's producer may act on stale metadata at any moment (a "
                            "zombie leader takes writes), which covers every refresh interval"),
}


# ---------------------------------------------------------------------------------
# The entry point.

def import_files(server: str | Path, topic_file: str | Path | None = None,
                 producer: str | Path | None = None, *, topic: str | None = None,
                 kafka_version: str | None = None,
                 replication_factor: int | None = None) -> Imported:
    """Read Kafka's files into a kafkamc Model. `topic` picks one topic of a describe
    output that names several; `kafka_version` and `replication_factor` say what the
    files cannot (and win over what they say). Every problem is a ConfigError."""
    warnings: list[ImportWarning] = []
    server_file = str(server)
    topic_path = str(topic_file) if topic_file is not None else None
    producer_file = str(producer) if producer is not None else None
    server_settings = _server_settings(server_file, warnings)
    chosen = _chosen_topic(topic_path, topic) if topic_path is not None else None
    producer_settings = _producer_settings(producer_file, warnings) if producer_file else {}

    version, version_origin = _kafka_version(server_file, server_settings, kafka_version,
                                             warnings)
    origins: dict[str, str] = {"kafka_version": version_origin}
    protocol = _older_protocol(server_settings, version, origins)
    blame: dict[str, Setting | str] = {}   # kafkamc key -> what to blame for a bad value
    name = chosen.name if chosen is not None else topic
    data: dict[str, Any] = {
        "kafka_version": version,
        **protocol,
        "topic": _topic_section(server_settings, chosen, replication_factor, version,
                                origins, blame, warnings),
        "producer": _producer_section(producer_settings, producer_file, version, origins,
                                      blame, warnings),
        "semantics": _semantics(server_settings, version, origins, warnings),
        "faults": dict(DEFAULT_FAULTS),
        "bounds": dict(DEFAULT_BOUNDS),
        "description": _description(name),
    }
    if name is not None and re.fullmatch(f"{NAME_CHARS}+", name):
        data["name"] = name
    model = _validated(data, blame)

    warnings += _ignored_server(server_settings, server_file)
    if chosen is not None:
        warnings += _ignored_topic(chosen)
    if producer_file is not None:
        warnings += _ignored_producer(producer_settings, producer_file)
    warnings += _notes(server_settings, version)
    files = [f"server.properties: {server_file}"]
    if topic_path is not None:
        files.append(f"topic: {topic_path}" + (f" (topic {name})" if name else ""))
    if producer_file is not None:
        files.append(f"producer: {producer_file}")
    return Imported(model=model, warnings=_in_file_order(warnings, [server_file, topic_path,
                                                                    producer_file]),
                    origins=origins, files=tuple(files))


def _in_file_order(warnings: list[ImportWarning],
                   files: list[str | None]) -> tuple[ImportWarning, ...]:
    """Per file in the order read, by line; a file's summary after its lines, and the
    notes about the import as a whole last."""
    def key(warning: ImportWarning) -> tuple[int, int]:
        rank = files.index(warning.file) if warning.file in files else len(files)
        return rank, warning.line or LAST_LINE
    return tuple(sorted(warnings, key=key))


def write_new(path: str | Path, text: str, *, force: bool) -> None:
    """Write `text` to `path`; an existing file is kept unless `force`."""
    target = Path(path)
    try:
        with target.open("w" if force else "x", encoding="utf-8") as out:
            out.write(text)
    except FileExistsError:
        raise ConfigError("the file exists and import never overwrites it; allowed: another "
                          "--out path, or --force to overwrite it", file=str(path),
                          key="--out") from None
    except OSError as error:
        raise ConfigError(f"cannot write it: {error.strerror or error}", file=str(path),
                          key="--out") from None


# ---------------------------------------------------------------------------------
# Java .properties files, read as java.util.Properties.load reads them.

_BLANK = " \t\f"           # what Properties.load skips before a key and around a separator
_KEY_END = "=: \t\f"
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


def read_properties(file: str, what: str) -> list[Setting]:
    """Every `key=value` of a .properties file, in order (a later duplicate wins in
    Kafka, as in Java)."""
    return parse_properties(_read(file, what), file)


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


def _read(file: str, what: str) -> str:
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


def _by_key(settings: Iterable[Setting], what: str,
            warnings: list[ImportWarning]) -> dict[str, Setting]:
    """The settings by key; Kafka keeps the last of a key given twice, and says nothing."""
    found: dict[str, Setting] = {}
    for setting in settings:
        earlier = found.get(setting.key)
        if earlier is not None and earlier.value != setting.value:
            warnings.append(setting.warning(
                f"given twice in this {what} (first on line {earlier.line}); Kafka uses the "
                f"last one, {setting.text!r}"))
        found[setting.key] = setting
    return found


def _server_settings(file: str, warnings: list[ImportWarning]) -> dict[str, Setting]:
    text = _read(file, "a broker's server.properties")
    if text.startswith("\u00ef\u00bb\u00bf"):
        warnings.append(ImportWarning(
            "the file starts with a UTF-8 byte order mark, which Java reads as part of the "
            "first key, so Kafka does not see that key", file=file, line=1))
    return _by_key(parse_properties(text, file), "server.properties", warnings)


def _producer_settings(file: str, warnings: list[ImportWarning]) -> dict[str, Setting]:
    return _by_key(read_properties(file, "a producer's .properties"), "producer config",
                   warnings)


# ---------------------------------------------------------------------------------
# The topic file: kafka-configs.sh or kafka-topics.sh --describe output, or .properties.

@dataclass
class TopicConfigs:
    """What a topic file says about one topic."""

    name: str | None
    file: str
    settings: dict[str, list[Setting]] = field(default_factory=dict)   # topic key -> values
    # What the describe output shows of the answering broker's server.properties
    # (STATIC_BROKER_CONFIG synonyms), to compare with the server.properties given.
    cluster_static: dict[str, Setting] = field(default_factory=dict)
    replication_factor: Setting | None = None
    ignored_sections: list[ImportWarning] = field(default_factory=list)

    def add(self, topic_key: str, setting: Setting) -> None:
        self.settings.setdefault(topic_key, []).append(setting)


# `Dynamic configs for topic T are:` / `All configs for topic T are:` (kafka-configs.sh
# with --bootstrap-server, ConfigCommand.describeResourceConfig); brokers have the same
# header, and `Default configs for brokers in the cluster are:`.
_SECTION = re.compile(r"(?:(?P<scope>Dynamic|All) configs for (?P<type>\S+) (?P<name>\S+)"
                      r"|Default configs for (?P<default>\S+) in the cluster) are:\s*")
#   `  key=value sensitive=false synonyms={SOURCE:key=value, ...}`
_ENTRY = re.compile(r"\s*(?P<key>[^=\s]+)=(?P<value>.*?) sensitive=(?:true|false) "
                    r"synonyms=\{(?P<synonyms>.*)\}\s*")
_SYNONYM = re.compile(r"(?P<source>[A-Z_]+):(?P<key>[^=\s]+)=(?P<value>.*)")
_SYNONYM_SPLIT = re.compile(r", (?=[A-Z_]+:[^=\s]+=)")
# `Configs for topic 'T' are k=v,k=v` (kafka-configs.sh --zookeeper, before 2.8).
_ZK_CONFIGS = re.compile(r"Configs for (?P<type>\S+) '(?P<name>[^']*)' are ?(?P<configs>.*?)\s*")
# `Topic: T<TAB>TopicId: ...<TAB>PartitionCount: 3<TAB>ReplicationFactor: 3<TAB>Configs: k=v,...`
# (kafka-topics.sh --describe; older releases write `Topic:T` without the space). Any
# whitespace between the fields: a copy from a terminal may have turned tabs to spaces.
_TOPIC_LINE = re.compile(r"Topic:\s*(?P<name>\S+)\s.*?ReplicationFactor:\s*(?P<rf>\S*)"
                         r"(?:\s+Configs:[ ]?(?P<configs>\S*))?.*")
_PARTITION_LINE = re.compile(r"\s+Topic:\s*\S+\s+Partition:.*")
# Splits `k=v,k=v` where a value may hold commas (cleanup.policy=compact,delete).
_CONFIG_LIST_SPLIT = re.compile(r",(?=[A-Za-z0-9._-]+=)")


def read_topic_file(file: str) -> dict[str | None, TopicConfigs]:
    """The topics a topic file describes, by name (None for a plain .properties file)."""
    text = _read(file, "a topic file (kafka-configs.sh or kafka-topics.sh --describe output, "
                       "or a topic .properties file)")
    lines = re.split(r"\r\n|\r|\n", text)
    if not any(_is_describe_header(line) for line in lines):
        topic = TopicConfigs(name=None, file=file)
        for setting in parse_properties(text, file, Layer.TOPIC):
            topic.add(setting.key, setting)
        return {None: topic}
    return _parse_describe(lines, file)


def _is_describe_header(line: str) -> bool:
    return any(pattern.fullmatch(line) for pattern in (_SECTION, _ZK_CONFIGS, _TOPIC_LINE))


def _parse_describe(lines: list[str], file: str) -> dict[str | None, TopicConfigs]:
    topics: dict[str | None, TopicConfigs] = {}
    section: TopicConfigs | None = None    # the topic whose entries follow
    describe_all = False                   # its header says `All configs` (--all)
    in_other_section = False               # entries of a broker section, skipped
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if match := _SECTION.fullmatch(line):
            kind = match["type"] or match["default"]
            in_other_section = kind != "topic"
            section = None if in_other_section else _topic(topics, match["name"], file)
            describe_all = match["scope"] == "All"
            if in_other_section:
                _ignore_section(topics, line, file, number)
        elif match := _ENTRY.fullmatch(line):
            if section is not None:
                _add_entry(section, match, file, number, describe_all=describe_all)
            elif not in_other_section:
                raise ConfigError("a config entry before any `... configs for topic T are:` "
                                  "line; allowed: kafka-configs.sh --describe output as "
                                  "printed", file=file, line=number)
        elif match := _ZK_CONFIGS.fullmatch(line):
            section, in_other_section = None, match["type"] != "topic"
            if in_other_section:
                _ignore_section(topics, line, file, number)
            else:
                _add_list(_topic(topics, match["name"], file), match["configs"], file, number)
        elif match := _TOPIC_LINE.fullmatch(line):
            section, in_other_section = None, False
            _add_topic_line(_topic(topics, match["name"], file), match, file, number)
        elif not _PARTITION_LINE.fullmatch(line):
            raise ConfigError(
                f"cannot read this line: {line.strip()[:60]!r}; allowed: the output of "
                f"kafka-configs.sh --describe --entity-type topics or of kafka-topics.sh "
                f"--describe, as printed, or a plain topic .properties file", file=file,
                line=number)
    return topics


def _topic(topics: dict[str | None, TopicConfigs], name: str, file: str) -> TopicConfigs:
    return topics.setdefault(name, TopicConfigs(name=name, file=file))


def _ignore_section(topics: dict[str | None, TopicConfigs], line: str, file: str,
                    number: int) -> None:
    # Kept on a placeholder so the warning survives whichever topic is chosen.
    holder = topics.setdefault(None, TopicConfigs(name=None, file=file))
    holder.ignored_sections.append(ImportWarning(
        f"ignored the section {line.strip()!r}: only topic sections are read (a cluster-wide "
        f"dynamic broker default shows up in a topic's synonyms with kafka-configs.sh "
        f"--describe --all)", file=file, line=number))


def _add_entry(topic: TopicConfigs, match: re.Match[str], file: str, number: int, *,
               describe_all: bool) -> None:
    key, value = match["key"], match["value"]
    synonyms = _synonyms(match["synonyms"], file, number)
    if not synonyms and not describe_all:
        # A `Dynamic configs` section lists only the topic's own overrides.
        topic.add(key, Setting(key, value, file, number, Layer.TOPIC))
    # With --all, no synonyms means Kafka's default of a key without a broker synonym.
    for source, name, synonym_value in synonyms:
        if source == "STATIC_BROKER_CONFIG":
            topic.cluster_static[key] = Setting(name, synonym_value, file, number,
                                                Layer.STATIC_BROKER)
        elif source in _LAYER_OF_SOURCE:
            topic.add(key, Setting(name, synonym_value, file, number, _LAYER_OF_SOURCE[source]))
        # DEFAULT_CONFIG: Kafka's default, which an unset kafkamc field gives already.


def _synonyms(text: str, file: str, number: int) -> list[tuple[str, str, str]]:
    found = []
    for part in _SYNONYM_SPLIT.split(text) if text.strip() else []:
        match = _SYNONYM.fullmatch(part)
        if match is None:
            raise ConfigError(f"cannot read the synonym {part!r}; allowed: SOURCE:key=value, "
                              f"as kafka-configs.sh prints it", file=file, line=number)
        found.append((match["source"], match["key"], match["value"]))
    return found


def _add_list(topic: TopicConfigs, configs: str, file: str, number: int) -> None:
    for item in _CONFIG_LIST_SPLIT.split(configs) if configs.strip() else []:
        key, equals, value = item.partition("=")
        if not equals or not key.strip():
            raise ConfigError(f"cannot read {item!r} as key=value; allowed: the comma-separated "
                              f"key=value list Kafka prints", file=file, line=number)
        topic.add(key.strip(), Setting(key.strip(), value, file, number, Layer.TOPIC))


def _add_topic_line(topic: TopicConfigs, match: re.Match[str], file: str, number: int) -> None:
    topic.replication_factor = Setting("ReplicationFactor", match["rf"], file, number,
                                       Layer.TOPIC)
    # kafka-topics.sh lists every config that is not Kafka's default, resolved: a topic
    # override, or a broker's setting that the topic inherits. Either way it is the
    # topic's value, so it ranks as the topic's own.
    _add_list(topic, match["configs"] or "", file, number)


def _chosen_topic(file: str, wanted: str | None) -> TopicConfigs:
    topics = read_topic_file(file)
    placeholder = topics.pop(None, None)
    if placeholder is not None and not topics:
        # A plain .properties file (or a describe output with no topic section at all).
        if placeholder.ignored_sections:
            raise ConfigError("the describe output has no topic section; allowed: the output "
                              "of kafka-configs.sh --describe --entity-type topics", file=file)
        placeholder.name = wanted
        return placeholder
    names = list(topics)
    if wanted is None and len(names) > 1:
        raise ConfigError(f"describes {len(names)} topics ({', '.join(map(str, names))}); "
                          f"allowed: pick one with --topic NAME", file=file)
    name = wanted if wanted is not None else names[0]
    if name not in topics:
        raise ConfigError(f"no topic '{name}' in this file; allowed: --topic with one of "
                          f"{', '.join(map(str, names))}", file=file, key="--topic")
    chosen = topics[name]
    if placeholder is not None:
        chosen.ignored_sections += placeholder.ignored_sections
    return chosen


# ---------------------------------------------------------------------------------
# Values, parsed as Kafka's ConfigDef parses them (it trims; ints are Java ints).

def _java_trim(text: str) -> str:
    # String.trim() drops every character up to U+0020, not just whitespace.
    return text.strip("".join(map(chr, range(33))))


def _integer(setting: Setting, *, bits: int, minimum: int, allowed: str) -> int:
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


def _boolean(setting: Setting) -> bool:
    text = setting.text.lower()
    if text not in ("true", "false"):
        raise setting.error(f"{setting.text!r} is not a boolean (Kafka refuses it); "
                            f"allowed: true or false")
    return text == "true"


def _origin(source: Setting | str) -> str:
    if isinstance(source, str):
        return source
    if source.key == "ReplicationFactor":
        return f"{source.where} ReplicationFactor (kafka-topics.sh --describe)"
    if source.layer == Layer.STATIC_BROKER:
        return f"{source.where} {source.key}"
    return f"{source.where} {source.key}, {_LAYER_WORDS[source.layer]}"


# ---------------------------------------------------------------------------------
# The Kafka release.

_IBP = re.compile(r"(?P<release>\d+\.\d+(?:\.\d+)?)(?:\.\d+)?(?:-IV\d+)?")


def _kafka_version(file: str, server: Mapping[str, Setting], option: str | None,
                   warnings: list[ImportWarning]) -> tuple[str, str]:
    """The release whose rules apply, and where it came from: --kafka-version, else
    inter.broker.protocol.version (ZooKeeper mode only: a KRaft node ignores it)."""
    roles = server.get("process.roles")
    kraft = roles is not None and _roles(roles) != ()
    ibp = server.get("inter.broker.protocol.version")
    ibp_release = _ibp_release(ibp) if ibp is not None else None
    if kraft and ibp is not None:
        warnings.append(ibp.warning("ignored: a KRaft node takes its protocol from the "
                                    "metadata.version chosen at format time, not from this key"))
    if option is not None:
        version = _option_version(option)
        if ibp is not None and ibp_release is not None and not kraft:
            _compare_ibp(ibp, ibp_release, version, warnings)
        origin = "--kafka-version"
    elif kraft:
        assert roles is not None
        raise roles.error("this is a KRaft node, and its server.properties does not say which "
                          "Kafka release it runs (the metadata.version is chosen when the "
                          "storage is formatted); allowed: pass --kafka-version, e.g. "
                          "--kafka-version 4.1")
    elif ibp is not None and ibp_release is not None:
        version, origin = ibp_release, _origin(ibp)
    else:
        raise ConfigError("not set, so the Kafka release is unknown (it defaults to the "
                          "broker's own release); allowed: set it in server.properties, or "
                          "pass --kafka-version", file=file, key="inter.broker.protocol.version")
    _check_mode(file, roles, kraft, version)
    return version, origin


def _roles(setting: Setting) -> tuple[str, ...]:
    # A LIST: comma-separated, each trimmed; Kafka accepts only these two, each once.
    text = setting.text
    roles = tuple(part.strip() for part in text.split(",")) if text else ()
    if any(role not in ("broker", "controller") for role in roles) or \
            len(set(roles)) != len(roles):
        raise setting.error(f"{text!r} is not a list of distinct roles (Kafka refuses to "
                            f"start); allowed: broker, controller, or broker,controller")
    return roles


def _ibp_release(setting: Setting) -> str:
    match = _IBP.fullmatch(setting.text)
    if match is None:
        raise setting.error(f"{setting.text!r} is not a protocol version (Kafka refuses to "
                            f"start); allowed: a release such as 2.8, 3.6 or 3.6-IV2")
    release = match["release"]
    # From 1.0 on a protocol version is MAJOR.MINOR; a third number is the bug-fix release,
    # which does not change the protocol (0.10.2 is the 0.x way to write a minor release).
    if not release.startswith("0.") and release.count(".") == 2:
        release = release.rsplit(".", 1)[0]
    try:
        parse_version(release)
    except ConfigError as error:
        raise setting.error(error.detail) from None
    return release


def _option_version(option: str) -> str:
    option = option.strip()
    try:
        parse_version(option)
    except ConfigError as error:
        raise ConfigError(error.detail, key="--kafka-version") from None
    return option


def _compare_ibp(ibp: Setting, release: str, version: str,
                 warnings: list[ImportWarning]) -> None:
    if not at_least(version, release):
        raise ibp.error(f"protocol {release} is newer than --kafka-version {version}, and a "
                        f"broker cannot speak a newer protocol than its own (Kafka refuses to "
                        f"start); allowed: a protocol of {version} or older")
    if not at_least(release, version) and at_least(version, KRAFT_FROM):
        warnings.append(ibp.warning(
            f"brokers on {version} that still speak protocol {release} are mid-upgrade; "
            f"kafkamc models {version} in KRaft mode and uses its rules (--kafka-version)"))
    elif not at_least(release, version):
        warnings.append(ibp.warning(
            f"brokers on {version} that still speak protocol {release} are mid-upgrade; "
            f"kafkamc applies the rules of protocol {release} ({IBP_KEY} in the config)"))


def _older_protocol(server: Mapping[str, Setting], version: str,
                    origins: dict[str, str]) -> dict[str, str]:
    """`inter.broker.protocol.version` for the config when the brokers speak an older
    protocol than their release (ZooKeeper mode, which kafkamc models before 3.3)."""
    ibp = server.get(IBP_KEY)
    roles = server.get("process.roles")
    if ibp is None or (roles is not None and _roles(roles) != ()) or \
            at_least(version, KRAFT_FROM):
        return {}
    release = _ibp_release(ibp)
    if at_least(release, version):
        return {}
    origins[IBP_KEY] = _origin(ibp)
    return {IBP_KEY: ibp.text if _is_protocol(ibp.text) else release}


def _is_protocol(text: str) -> bool:
    try:
        parse_protocol(text, IBP_KEY)
    except ConfigError:
        return False
    return True


def _check_mode(file: str, roles: Setting | None, kraft: bool, version: str) -> None:
    if kraft and not at_least(version, "3.3"):
        assert roles is not None
        raise roles.error(f"a KRaft node on {version}: KRaft before 3.3 was early access, and "
                          f"kafkamc models ZooKeeper mode before 3.3; allowed: --kafka-version "
                          f"3.3 or later for a KRaft node")
    if not kraft and at_least(version, "4.0"):
        raise ConfigError(f"not set, so this is a ZooKeeper-mode broker, but Kafka {version} runs "
                          f"only in KRaft mode (ZooKeeper was removed in 4.0); allowed: "
                          f"process.roles=broker (or broker,controller), or a release before "
                          f"4.0", file=file, key="process.roles")


# ---------------------------------------------------------------------------------
# The topic section.

def _topic_section(server: Mapping[str, Setting], topic: TopicConfigs | None,
                   rf_option: int | None, version: str, origins: dict[str, str],
                   blame: dict[str, Setting | str],
                   warnings: list[ImportWarning]) -> dict[str, Any]:
    section: dict[str, Any] = {}
    rf, rf_source = _replication_factor(server, topic, rf_option, warnings)
    section["replication.factor"] = rf
    origins["replication.factor"] = _origin(rf_source)
    blame["topic.replication.factor"] = rf_source
    if topic is not None:
        warnings += _static_mismatches(topic, server)
    era = era_for(version)
    for topic_key in BROKER_TO_TOPIC.values():
        setting = _resolved(topic_key, topic, server, warnings)
        if setting is None:
            continue
        if not era.has_key(f"topic.{topic_key}"):
            first, source = KEY_INTRODUCED[f"topic.{topic_key}"]
            warnings.append(setting.warning(
                f"ignored: Kafka {version} has no such key (it came in {first}, {source}), "
                f"and Kafka ignores a key it does not know"))
            continue
        value = _topic_value(topic_key, setting, warnings)
        if value is not None:
            section[topic_key] = value
            origins[topic_key] = _origin(setting)
            blame[f"topic.{topic_key}"] = setting
    # A broker setting with no topic synonym; kafkamc keeps it with its one partition.
    rebalance = server.get("auto.leader.rebalance.enable")
    if rebalance is not None:
        section["auto.leader.rebalance.enable"] = _boolean(rebalance)
        origins["auto.leader.rebalance.enable"] = _origin(rebalance)
        blame["topic.auto.leader.rebalance.enable"] = rebalance
    return section


def _replication_factor(server: Mapping[str, Setting], topic: TopicConfigs | None,
                        option: int | None,
                        warnings: list[ImportWarning]) -> tuple[int, Setting | str]:
    described = topic.replication_factor if topic is not None else None
    if option is not None:
        if described is not None and described.text != str(option):
            warnings.append(described.warning(
                f"the topic has {described.text} replicas; kafkamc uses --replication-factor "
                f"{option}"))
        return option, "--replication-factor"
    if described is not None:
        return _integer(described, bits=INT_BITS, minimum=1,
                        allowed="the replica count kafka-topics.sh printed"), described
    default = server.get("default.replication.factor")
    if default is not None:
        warnings.append(default.warning(
            "the topic's replication factor is taken from this broker default (what Kafka "
            "gives a topic created without one); pass --replication-factor, or a "
            "kafka-topics.sh --describe output, if the topic has another"))
        return _integer(default, bits=INT_BITS, minimum=1,
                        allowed="an integer >= 1 (Kafka cannot create a topic with fewer "
                                "replicas)"), default
    warnings.append(ImportWarning(
        "nothing gives the topic's replication factor, so kafkamc uses Kafka's "
        "default.replication.factor, 1; pass --replication-factor, or a kafka-topics.sh "
        "--describe output"))
    return 1, "Kafka's default.replication.factor"


def _resolved(topic_key: str, topic: TopicConfigs | None, server: Mapping[str, Setting],
              warnings: list[ImportWarning]) -> Setting | None:
    """The value Kafka uses for the topic: the highest layer wins; within a layer, the
    one given last."""
    candidates = list(topic.settings.get(topic_key, [])) if topic is not None else []
    if TOPIC_TO_BROKER[topic_key] in server:
        candidates.append(server[TOPIC_TO_BROKER[topic_key]])
    if not candidates:
        return None
    top = max(candidate.layer for candidate in candidates)
    same_layer = [candidate for candidate in candidates if candidate.layer == top]
    winner = same_layer[-1]
    for other in same_layer[:-1]:
        if other.text != winner.text:
            warnings.append(winner.warning(
                f"{winner.text!r} here, {other.text!r} at {other.where}; kafkamc uses this "
                f"one, the later"))
    return winner


def _topic_value(topic_key: str, setting: Setting, warnings: list[ImportWarning]) -> Any:
    if topic_key == "min.insync.replicas":
        return _integer(setting, bits=INT_BITS, minimum=1, allowed="an integer >= 1")
    if topic_key == "unclean.leader.election.enable":
        return _boolean(setting)
    return _flush(setting, warnings)


def _flush(setting: Setting, warnings: list[ImportWarning]) -> int | None:
    every = _integer(setting, bits=LONG_BITS, minimum=1, allowed="an integer >= 1")
    if every == 1:
        return 1
    if every != LONG_MAX:
        warnings.append(setting.warning(
            f"an fsync every {every} messages is modelled as no fsync per append (Kafka's "
            f"default): kafkamc knows only 1 or none, and none allows every loss that "
            f"{every} allows and more, so a verdict of holds stays true but a violation "
            f"after a power loss may not happen with {every}"))
    return None


def _static_mismatches(topic: TopicConfigs, server: Mapping[str, Setting]) -> list[ImportWarning]:
    """The describe output shows the answering broker's server.properties; a difference
    means the file given is not the one that broker runs with."""
    found = []
    for topic_key, shown in topic.cluster_static.items():
        broker_key = TOPIC_TO_BROKER.get(topic_key)
        if broker_key is None:
            continue
        given = server.get(broker_key)
        if given is None or given.text != shown.text:
            in_file = f"{given.text!r} ({given.where})" if given else "nothing"
            found.append(shown.warning(
                f"the broker that answered runs with {shown.text!r} in its server.properties, "
                f"but the server.properties given has {in_file}; kafkamc uses the one given"))
    return found


# ---------------------------------------------------------------------------------
# The producer and the rules.

def _producer_section(producer: Mapping[str, Setting], file: str | None, version: str,
                      origins: dict[str, str], blame: dict[str, Setting | str],
                      warnings: list[ImportWarning]) -> dict[str, Any]:
    acks = _acks(producer, file, version, warnings)
    if acks is None:
        return {}
    value, setting = acks
    origins["acks"] = _origin(setting)
    blame["producer.acks"] = setting
    return {"acks": value}


def _acks(producer: Mapping[str, Setting], file: str | None, version: str,
          warnings: list[ImportWarning]) -> tuple[str, Setting] | None:
    setting = producer.get("acks")
    if setting is None:
        default = era_for(version).acks
        where = "the producer config does not set acks" if file else "no producer config given"
        warnings.append(ImportWarning(
            f"{where}, so kafkamc uses the default of Kafka {version}, acks={default}; the "
            f"default is the producer client's (0 for the old Scala producer, 1 before 3.0, "
            f"all from 3.0, KIP-679), so set acks if your client's differs",
            file=file, key="acks" if file else None))
        _check_idempotence(producer, None)
        return None
    # ProducerConfig: ValidString.in("all", "-1", "0", "1"), case-sensitive.
    text = setting.text
    if text not in ("all", "-1", "0", "1"):
        raise setting.error(f"{text!r} is not a valid acks (Kafka refuses it); allowed: all, "
                            f"-1, 0 or 1")
    acks = "all" if text == "-1" else text
    _check_idempotence(producer, acks)
    return acks, setting


def _check_idempotence(producer: Mapping[str, Setting], acks: str | None) -> None:
    """The producer configs the Java client refuses (ProducerConfig's ConfigExceptions)."""
    idempotence = producer.get("enable.idempotence")
    explicit = idempotence is not None and _boolean(idempotence)
    transactional = producer.get("transactional.id")
    if transactional is not None and transactional.text:
        if idempotence is not None and not explicit:
            raise idempotence.error("false together with transactional.id (the producer "
                                    "refuses: a transactional producer is idempotent); "
                                    "allowed: true, or no transactional.id")
        if acks not in (None, "all"):
            raise producer["acks"].error(f"{acks} together with transactional.id (the producer "
                                         f"refuses it); allowed: all or -1")
    if not explicit:
        return      # when idempotence is only the default, the client turns it off instead
    assert idempotence is not None
    if acks not in (None, "all"):
        raise producer["acks"].error(f"{acks} with enable.idempotence=true (line "
                                     f"{idempotence.line}; the producer refuses it); allowed: "
                                     f"all or -1, or enable.idempotence=false")
    retries = producer.get("retries")
    if retries is not None and _integer(retries, bits=INT_BITS, minimum=0,
                                        allowed="an integer >= 0") == 0:
        raise retries.error("0 with enable.idempotence=true (the producer refuses it); "
                            "allowed: an integer >= 1, or enable.idempotence=false")
    in_flight = producer.get("max.in.flight.requests.per.connection")
    if in_flight is not None and _integer(in_flight, bits=INT_BITS, minimum=1,
                                          allowed="an integer >= 1") > 5:
        raise in_flight.error(f"{in_flight.text} with enable.idempotence=true (the producer "
                              f"refuses more than 5); allowed: 1 to 5, or "
                              f"enable.idempotence=false")


def _semantics(server: Mapping[str, Setting], version: str, origins: dict[str, str],
               warnings: list[ImportWarning]) -> dict[str, Any]:
    semantics: dict[str, Any] = {}
    roles = server.get("process.roles")
    zookeeper = roles is None or not roles.text
    if zookeeper and at_least(version, "3.3"):
        # kafkamc's eras assume KRaft from 3.3; KIP-841 is a rule of the KRaft controller.
        semantics["fenced_isr_exclusion"] = False
        origins["fenced_isr_exclusion"] = ("no process.roles: a ZooKeeper-mode cluster, and "
                                           "KIP-841 is KRaft's")
    elr = server.get("eligible.leader.replicas.enable")
    if elr is not None:
        first, source = ELR_AVAILABLE
        if at_least(version, first):
            warnings.append(elr.warning(
                f"ignored: removed in {first}, where ELR ({source}) is the cluster feature "
                f"eligible.leader.replicas.version, not a server.properties key"))
        else:
            warnings.append(elr.warning(
                f"ignored: an unreleased preview before {first}; kafkamc models ELR "
                f"({source}) from {first} on"))
    return semantics


def _notes(server: Mapping[str, Setting], version: str) -> list[ImportWarning]:
    """What the files cannot say, and what a reader should know about them."""
    notes = []
    era = era_for(version)
    if era.eligible_leader_replicas_available:
        notes.append(_elr_note(version, era.rules.eligible_leader_replicas))
    roles = server.get("process.roles")
    if roles is not None and _roles(roles) == ("controller",):
        notes.append(_controller_only(roles))
    return notes


def _controller_only(roles: Setting) -> ImportWarning:
    # A controller applies some topic defaults (default.replication.factor when it creates
    # a topic), but the partition leaders, on the brokers, apply min.insync.replicas and
    # the flush policy from their own server.properties.
    return roles.warning("this is a controller, not a broker: the brokers' own "
                         "server.properties decide min.insync.replicas and fsync for the "
                         "partitions they lead; import a broker's file if they differ")


def _elr_note(version: str, default_on: bool) -> ImportWarning:
    state = "on" if default_on else "off"
    return ImportWarning(
        f"eligible leader replicas (KIP-966) are a cluster feature "
        f"(eligible.leader.replicas.version, set with kafka-features.sh or at format time), "
        f"not in these files: kafkamc assumes Kafka {version}'s default, {state} (off in 4.0, "
        f"on for clusters created on 4.1 or later); if yours differs, set "
        f"semantics.eligible_leader_replicas in the config")


def _description(topic: str | None) -> str:
    which = f"topic {topic}" if topic else "a topic"
    return f"The settings of {which}, imported from Kafka's config files by kafkamc import."


def _validated(data: dict[str, Any], blame: Mapping[str, Setting | str]) -> Model:
    """The Model; a value kafkamc cannot take is blamed on the Kafka file and line it
    came from."""
    try:
        return Model.from_dict(data)
    except ConfigError as error:
        source = blame.get(error.key or "")
        if source is None:
            raise
        message = f"kafkamc cannot model this value: {error.detail}"
        if isinstance(source, str):
            raise ConfigError(message, key=source) from None
        raise source.error(message) from None


# ---------------------------------------------------------------------------------
# Warnings for what is ignored.

# Kafka logs "supplied but isn't a known config" for a misspelt key and goes on with the
# default, so a near miss of a key that matters deserves its own warning. Not
# config.closest(): its cutoff suits kafkamc's few keys, but Kafka's hundreds share long
# prefixes, and at that cutoff real keys (fetch.max.bytes, controller.socket.timeout.ms)
# would read as misspellings of modelled ones.
_TYPO_CUTOFF = 0.88


def _ignored_server(server: Mapping[str, Setting], file: str) -> list[ImportWarning]:
    read = {*BROKER_TO_TOPIC, *BROKER_READ, "eligible.leader.replicas.enable"}
    return _ignored(server.values(), file, read, BROKER_UNMODELLED, "server.properties")


def _ignored_topic(topic: TopicConfigs) -> list[ImportWarning]:
    # Only what was set for the topic or dynamically counts: STATIC_BROKER_CONFIG values
    # are server.properties', warned about there, and DEFAULT_CONFIG ones are not set.
    latest = {key: values[-1] for key, values in topic.settings.items()
              if key not in TOPIC_TO_BROKER}
    warnings = list(topic.ignored_sections)
    warnings += _ignored(latest.values(), topic.file, set(TOPIC_TO_BROKER), TOPIC_UNMODELLED,
                         "topic")
    return warnings


def _ignored_producer(producer: Mapping[str, Setting], file: str) -> list[ImportWarning]:
    return _ignored(producer.values(), file, set(PRODUCER_READ), PRODUCER_UNMODELLED,
                    "producer")


def _ignored(settings: Iterable[Setting], file: str, read: set[str],
             unmodelled: Mapping[str, str], what: str) -> list[ImportWarning]:
    warnings, others = [], []
    known = [*read, *unmodelled]
    for setting in settings:
        if setting.key in read:
            continue
        if setting.key in unmodelled:
            warnings.append(setting.warning(f"ignored: {unmodelled[setting.key]}"))
            continue
        near = difflib.get_close_matches(setting.key, known, n=1, cutoff=_TYPO_CUTOFF)
        if near:
            warnings.append(setting.warning(
                f"ignored: not a key kafkamc knows; did you mean '{near[0]}'? Kafka ignores "
                f"a misspelt key and uses the default"))
        else:
            others.append(setting.key)
    if others:
        shown = ", ".join(others[:6]) + (f" and {len(others) - 6} more" if len(others) > 6
                                         else "")
        many = len(others) > 1
        warnings.append(ImportWarning(
            f"ignored {len(others)} other {what} setting{'s' if many else ''}, which "
            f"{'do' if many else 'does'} not change how a partition replicates: {shown}",
            file=file))
    return warnings


# ---------------------------------------------------------------------------------
# The written config's comments.

def _header(imported: Imported) -> list[str]:
    resolved = imported.model.resolve()
    unset = _defaults_applied(imported.model, resolved)
    lines = ["# Written by `kafkamc import` from Kafka's own files:"]
    # File names are the user's: a line break in one would end the comment.
    lines += [f"#   {one_line(entry)}" for entry in imported.files]
    lines += ["# Each setting says where its value came from: a topic's override beats a",
              "# dynamic broker config, which beats server.properties, which beats Kafka's",
              "# default."]
    if unset:
        lines.append(f"# Not set in these files, so Kafka {resolved.kafka_version}'s defaults "
                     f"apply (`kafkamc eras`):")
        lines.append(f"#   {', '.join(unset)}.")
    lines.append("# Every setting that import ignored was reported as a warning.")
    return lines


def _defaults_applied(model: Model, resolved: Any) -> list[str]:
    unset = []
    if model.topic.min_insync_replicas is None:
        unset.append(f"min.insync.replicas {resolved.min_insync_replicas}")
    if model.topic.unclean_leader_election_enable is None:
        unset.append("unclean.leader.election.enable "
                     f"{str(resolved.unclean_leader_election).lower()}")
    if model.topic.flush_messages is None:
        unset.append("flush.messages never (no fsync per append)")
    if model.producer.acks is None:
        unset.append(f"acks {resolved.acks}")
    return unset


def _annotated(line: str, origins: Mapping[str, str]) -> str:
    match = re.match(r"\s*([A-Za-z_.]+):\s", line)
    if match is None or match[1] not in origins:
        return line
    return f"{line}  # {one_line(origins[match[1]])}"


def _with_faults_comment(lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        if line == "faults:":
            out += ["# Faults and bounds are not in Kafka's files: these are starting values.",
                    "# Edit them to the failures the topic must survive (each fault 0..3) and",
                    "# the writes to explore (records 1..4); larger values take longer."]
        out.append(line)
    return out
