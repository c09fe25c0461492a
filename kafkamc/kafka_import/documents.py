"""YAML files as `import` reads them: every document of a file, as nodes that keep
the line they were written on, so that each imported value can say where it came
from. Values are read as written (`3.6` stays "3.6", not a float), as the operators
(Strimzi, CFK) and docker compose pass them on to Kafka as text."""
from __future__ import annotations

from dataclasses import dataclass

import yaml

from kafkamc.errors import ConfigError
from kafkamc.kafka_import.describe import TopicConfigs
from kafkamc.kafka_import.settings import Layer, Setting

_MERGE = "tag:yaml.org,2002:merge"


@dataclass(frozen=True)
class Document:
    """One YAML document of a file: a mapping at the top."""

    file: str
    node: yaml.MappingNode

    @property
    def line(self) -> int:
        return line_of(self.node)

    @property
    def kind(self) -> str:
        return text(child(self.node, "kind")) or ""

    @property
    def api_group(self) -> str:
        """`kafka.strimzi.io` of `apiVersion: kafka.strimzi.io/v1beta2`."""
        return (text(child(self.node, "apiVersion")) or "").partition("/")[0]

    @property
    def name(self) -> str:
        return text(child(self.node, "metadata", "name")) or ""

    def describe(self) -> str:
        """`Deployment my-app (line 3)`: a document as a message names it."""
        what = self.kind or "a document without a kind"
        return f"{what}{' ' + self.name if self.name else ''} (line {self.line})"


def compose_documents(text_: str) -> list[yaml.Node] | None:
    """The documents of a YAML text, or None when it is not YAML at all (a
    .properties file often is not)."""
    try:
        return [node for node in yaml.compose_all(text_, Loader=yaml.SafeLoader)
                if node is not None]
    except yaml.YAMLError:
        return None


def is_yaml(node: yaml.Node) -> bool:
    """Whether a document is YAML rather than .properties: it holds more than `key:
    value` lines (a flat mapping of scalars reads the same as a .properties file, since
    Java allows `key: value`), or it is a Kubernetes resource."""
    if not isinstance(node, yaml.MappingNode):
        return isinstance(node, yaml.SequenceNode)
    keys = {key.value for key, _ in node.value if isinstance(key, yaml.ScalarNode)}
    return {"apiVersion", "kind"} <= keys or any(
        not isinstance(value, yaml.ScalarNode) or key.tag == _MERGE for key, value in node.value)


def items(node: yaml.Node | None) -> list[tuple[str, yaml.Node, yaml.Node]]:
    """(key, key node, value node) of a mapping, `<<: *anchor` merges resolved as
    YAML resolves them (a key written in the mapping wins over a merged one); [] for
    anything else."""
    if not isinstance(node, yaml.MappingNode):
        return []
    own: list[tuple[str, yaml.Node, yaml.Node]] = []
    merged: list[tuple[str, yaml.Node, yaml.Node]] = []
    for key, value in node.value:
        if key.tag == _MERGE:
            sources = value.value if isinstance(value, yaml.SequenceNode) else [value]
            for source in sources:
                merged += [entry for entry in items(source)
                           if entry[0] not in {m[0] for m in merged}]
        elif isinstance(key, yaml.ScalarNode):
            own.append((key.value, key, value))
    names = {entry[0] for entry in own}
    return [entry for entry in merged if entry[0] not in names] + own


def child(node: yaml.Node | None, *path: str) -> yaml.Node | None:
    for step in path:
        node = next((value for key, _, value in items(node) if key == step), None)
        if node is None:
            return None
    return node


def text(node: yaml.Node | None) -> str | None:
    """A scalar as written; None for a missing node, a null or a collection."""
    if not isinstance(node, yaml.ScalarNode) or node.tag == "tag:yaml.org,2002:null":
        return None
    return str(node.value)


def line_of(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def sequence(node: yaml.Node | None) -> list[yaml.Node]:
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def config_map(node: yaml.Node | None, file: str, layer: Layer, where: str) -> list[Setting]:
    """A `key: value` mapping of Kafka settings (Strimzi's spec.kafka.config, a
    KafkaTopic's config): each a Setting at the line of its key."""
    if node is not None and not isinstance(node, yaml.MappingNode):
        raise ConfigError(f"{where} is not a mapping; allowed: Kafka settings as "
                          f"`key: value` lines", file=file, line=line_of(node))
    settings = []
    for key, key_node, value in items(node):
        value_text = text(value)
        if value_text is None and not isinstance(value, yaml.ScalarNode):
            raise ConfigError(f"{key} under {where} is not a single value; allowed: a "
                              f"string, number or boolean", file=file, line=line_of(key_node))
        settings.append(Setting(key, value_text or "", file, line_of(key_node), layer))
    return settings


def topic_resource(topic: Document, name: str, configs_key: str) -> TopicConfigs:
    """A KafkaTopic resource (Strimzi's or CFK's): its `spec.<configs_key>` map of topic
    configs and its `spec.replicas` as the replication factor."""
    configs = TopicConfigs(name=name, file=topic.file)
    for setting in config_map(child(topic.node, "spec", configs_key), topic.file, Layer.TOPIC,
                              f"spec.{configs_key}"):
        configs.add(setting.key, setting)
    replicas = child(topic.node, "spec", "replicas")
    if text(replicas):
        assert replicas is not None
        configs.replication_factor = Setting("ReplicationFactor", text(replicas) or "",
                                             topic.file, line_of(replicas), Layer.TOPIC,
                                             written="spec.replicas")
    return configs
