"""What a topic overrides, from `kafka-configs.sh --describe` or `kafka-topics.sh
--describe` output, or a plain topic .properties file."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from kafkamc.errors import ConfigError
from kafkamc.kafka_import.properties import parse_properties, read_file
from kafkamc.kafka_import.settings import LAYER_OF_SOURCE, ImportWarning, Layer, Setting

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
    # The brokers' release, where the output shows it (a DEFAULT_CONFIG synonym of a
    # key whose default is the release's own protocol).
    release: Setting | None = None
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


TOPIC_FILE = ("a topic file (kafka-configs.sh or kafka-topics.sh --describe output, a topic "
              ".properties file, or a Strimzi or CFK KafkaTopic)")


def read_topic_file(file: str) -> dict[str | None, TopicConfigs]:
    """The topics a topic file describes, by name (None for a plain .properties file)."""
    return parse_topic_text(read_file(file, TOPIC_FILE), file)


def is_describe_output(text: str) -> bool:
    """Whether a text is kafka-configs.sh or kafka-topics.sh --describe output (which a
    YAML parser may take for a mapping)."""
    return any(_is_describe_header(line) for line in re.split(r"\r\n|\r|\n", text))


def parse_topic_text(text: str, file: str) -> dict[str | None, TopicConfigs]:
    lines = re.split(r"\r\n|\r|\n", text)
    if not is_describe_output(text):
        topic = TopicConfigs(name=None, file=file)
        for setting in parse_properties(text, file, Layer.TOPIC):
            topic.add(setting.key, setting)
        return {None: topic}
    return _parse_describe(lines, file)


def _is_describe_header(line: str) -> bool:
    # An entry line on its own is describe output too: `kafka-configs.sh ... | grep min.insync`.
    return any(pattern.fullmatch(line) for pattern in (_SECTION, _ZK_CONFIGS, _TOPIC_LINE,
                                                       _ENTRY))


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
            elif in_other_section:
                _note_release(_placeholder(topics, file), match, file, number)
            else:
                # Entries grepped out of the output, without their header: the topic's,
                # read as --all prints them (no synonyms: a default with no broker key).
                _add_entry(_placeholder(topics, file), match, file, number,
                           describe_all=True)
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


def _placeholder(topics: dict[str | None, TopicConfigs], file: str) -> TopicConfigs:
    """What the output says outside any topic's section, kept apart so that it
    survives whichever topic is chosen."""
    return topics.setdefault(None, TopicConfigs(name=None, file=file))


def _ignore_section(topics: dict[str | None, TopicConfigs], line: str, file: str,
                    number: int) -> None:
    holder = _placeholder(topics, file)
    holder.ignored_sections.append(ImportWarning(
        f"ignored the section {line.strip()!r}: only topic sections are read (a cluster-wide "
        f"dynamic broker default shows up in a topic's synonyms with kafka-configs.sh "
        f"--describe --all)", file=file, line=number))


def _add_entry(topic: TopicConfigs, match: re.Match[str], file: str, number: int, *,
               describe_all: bool) -> None:
    key, value = match["key"], match["value"]
    synonyms = _synonyms(match["synonyms"], file, number)
    _note_release(topic, match, file, number)
    if not synonyms and not describe_all:
        # A `Dynamic configs` section lists only the topic's own overrides.
        topic.add(key, Setting(key, value, file, number, Layer.TOPIC))
    # With --all, no synonyms means Kafka's default of a key without a broker synonym.
    for source, name, synonym_value in synonyms:
        if source == "STATIC_BROKER_CONFIG":
            topic.cluster_static[key] = Setting(name, synonym_value, file, number,
                                                Layer.STATIC_BROKER)
        elif source in LAYER_OF_SOURCE:
            topic.add(key, Setting(name, synonym_value, file, number, LAYER_OF_SOURCE[source]))
        # DEFAULT_CONFIG: Kafka's default, which an unset kafkamc field gives already.


# Keys whose default is the broker release's own protocol (KafkaConfig: the latest
# inter-broker protocol; the message format's, before 3.0 fixed it at 3.0-IV1).
_RELEASE_DEFAULTS = ("inter.broker.protocol.version", "log.message.format.version")
_FIXED_FORMAT = "3.0"


def _note_release(topic: TopicConfigs, match: re.Match[str], file: str, number: int) -> None:
    for source, name, value in _synonyms(match["synonyms"], file, number):
        release = value.split("-", 1)[0]
        if source != "DEFAULT_CONFIG" or name not in _RELEASE_DEFAULTS or \
                (name == "log.message.format.version" and release == _FIXED_FORMAT) or \
                not re.fullmatch(r"\d+\.\d+(?:\.\d+)?", release):
            continue
        topic.release = Setting("kafka_version", release, file, number, Layer.STATIC_BROKER,
                                written=f"the default of {name}, {value}, which is the "
                                        f"protocol of the brokers' own release")


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


def chosen_topic(topics: dict[str | None, TopicConfigs], file: str,
                 wanted: str | None) -> TopicConfigs:
    """The topic import models: the only one, or the one `wanted` (--topic) names."""
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
        chosen.release = chosen.release or placeholder.release
    return chosen
