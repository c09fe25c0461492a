"""Which format a file given to `import` is, read by the module that knows it.

A file that is not YAML, or whose YAML is only `key: value` lines, is a .properties
file (Java reads `key: value` too). Nested YAML is a docker compose file (a top-level
`services`) or Kubernetes resources (`apiVersion` and `kind`, several documents or a
`kind: List`): Strimzi's and Confluent for Kubernetes' Kafka and KafkaTopic. Any other
YAML is refused: read as .properties it would be a wrong model, silently.
"""
from __future__ import annotations

import yaml

from kafkamc.errors import ConfigError
from kafkamc.kafka_import import cfk, strimzi
from kafkamc.kafka_import.cluster import Cluster
from kafkamc.kafka_import.compose import read_compose
from kafkamc.kafka_import.describe import (
    TOPIC_FILE,
    TopicConfigs,
    is_describe_output,
    parse_topic_text,
)
from kafkamc.kafka_import.documents import Document, child, compose_documents, is_yaml
from kafkamc.kafka_import.properties import read_file, server_settings
from kafkamc.kafka_import.release import release_in_comments
from kafkamc.kafka_import.settings import ImportWarning

CLUSTER_FILE = ("a broker's server.properties, a Strimzi or CFK Kafka resource (with its "
                "KafkaNodePools), or a docker compose file")
_KNOWN = {strimzi.GROUP: ("Kafka", "KafkaNodePool", "KafkaTopic"),
          cfk.GROUP: ("Kafka", "KRaftController", "Zookeeper", "KafkaTopic")}
_ALLOWED_CLUSTER = ("allowed: a server.properties, Strimzi's Kafka (kafka.strimzi.io) with its "
                    "KafkaNodePools, Confluent for Kubernetes' Kafka (platform.confluent.io), or "
                    "a docker compose file whose services run Kafka images")
_ALLOWED_TOPIC = ("allowed: kafka-configs.sh or kafka-topics.sh --describe output, a topic "
                  ".properties file, or KafkaTopic resources of Strimzi (kafka.strimzi.io) or "
                  "CFK (platform.confluent.io)")


def read_cluster(file: str, warnings: list[ImportWarning]) -> Cluster:
    """The brokers' settings from a server.properties, Strimzi or CFK resources, or a
    docker compose file."""
    text = read_file(file, CLUSTER_FILE)
    documents = _yaml_documents(text, file)
    if documents is None:
        release, notes = release_in_comments(text, file)
        return Cluster(kind="server.properties", settings=server_settings(text, file, warnings),
                       release=release, notes=notes)
    if len(documents) == 1 and child(documents[0].node, "services") is not None:
        return read_compose(documents[0], warnings)
    resources = _resources(documents, file, _ALLOWED_CLUSTER)
    others = [doc.describe() for doc in documents if doc not in resources]
    if others:
        warnings.append(ImportWarning(f"ignored {len(others)} resource(s) that do not configure "
                                      f"the brokers or a topic: {', '.join(others)}", file=file))
    clusters = [doc for doc in resources if doc.kind == "Kafka"]
    if not clusters and all(doc.kind == "KafkaTopic" for doc in resources):
        raise ConfigError("only KafkaTopics here, no cluster; allowed: the KafkaTopics as "
                          "TOPIC_FILE, after the cluster's file (server.properties, Strimzi's "
                          "or CFK's Kafka, or a docker compose file)", file=file)
    if len(clusters) != 1:
        found = ", ".join(doc.describe() for doc in resources)
        many = f"{len(clusters)} Kafka clusters" if clusters else "no Kafka cluster"
        raise ConfigError(f"{many} among the resources ({found}); {_ALLOWED_CLUSTER}, one "
                          f"cluster per file (KafkaTopics may go with it)", file=file)
    kafka = clusters[0]
    if kafka.api_group == strimzi.GROUP:
        pools = [doc for doc in resources if doc.kind == "KafkaNodePool"]
        cluster = strimzi.read_kafka(kafka, pools, warnings)
    else:
        cluster = cfk.read_kafka(kafka, warnings)
    cluster.topics = _topics(resources)
    return cluster


def read_topics(file: str) -> dict[str | None, TopicConfigs]:
    """The topics a topic file describes, by name."""
    text = read_file(file, TOPIC_FILE)
    documents = None if is_describe_output(text) else _yaml_documents(text, file)
    if documents is None:
        return parse_topic_text(text, file)
    topics = _topics(_resources(documents, file, _ALLOWED_TOPIC))
    if not topics:
        found = ", ".join(doc.describe() for doc in documents)
        raise ConfigError(f"no KafkaTopic in this file (found: {found}); {_ALLOWED_TOPIC}",
                          file=file)
    return topics


def _yaml_documents(text: str, file: str) -> list[Document] | None:
    """The file's YAML documents, or None for a .properties file."""
    nodes = compose_documents(text)
    if nodes is None or not any(is_yaml(node) for node in nodes):
        return None
    documents = []
    for node in nodes:
        if not isinstance(node, yaml.MappingNode):
            raise ConfigError("a YAML document that is not a mapping; allowed: Kubernetes "
                              "resources or a docker compose file", file=file,
                              line=node.start_mark.line + 1)
        document = Document(file, node)
        if document.kind == "List":         # `kubectl get -o yaml` of several resources
            documents += [Document(file, item) for item in _list_items(document)]
        else:
            documents.append(document)
    return documents


def _list_items(document: Document) -> list[yaml.MappingNode]:
    found = child(document.node, "items")
    return [item for item in (found.value if isinstance(found, yaml.SequenceNode) else [])
            if isinstance(item, yaml.MappingNode)]


def _resources(documents: list[Document], file: str, allowed: str) -> list[Document]:
    """The Strimzi and CFK resources import reads; a file with none is refused."""
    known = [doc for doc in documents if doc.kind in _KNOWN.get(doc.api_group, ())]
    if not known:
        found = ", ".join(f"{doc.describe()}" + (f" of {doc.api_group}" if doc.api_group
                                                 else "") for doc in documents)
        raise ConfigError(f"YAML that import does not know (found: {found}); {allowed}",
                          file=file, key="kind" if any(doc.kind for doc in documents) else None)
    return known


def _topics(resources: list[Document]) -> dict[str | None, TopicConfigs]:
    topics: dict[str | None, TopicConfigs] = {}
    for doc in resources:
        if doc.kind != "KafkaTopic":
            continue
        topic = (strimzi.read_topic(doc) if doc.api_group == strimzi.GROUP
                 else cfk.read_topic(doc))
        topics[topic.name] = topic
    return topics
