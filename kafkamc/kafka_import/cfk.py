"""Confluent for Kubernetes' custom resources (platform.confluent.io): a `Kafka`
cluster and its `KafkaTopic`s, as CFK's documentation describes them.

- Kafka: `spec.image.application` is a cp-server (or cp-kafka) image tagged with the
  Confluent Platform release; `spec.configOverrides.server` lists server.properties
  lines; `spec.dependencies.kRaftController` makes the brokers KRaft brokers,
  `spec.dependencies.zookeeper` ZooKeeper-mode ones.
- KafkaTopic: `spec.replicas`, `spec.configs` (the topic's overrides), `metadata.name`.

CFK sets min.insync.replicas and default.replication.factor itself, from the broker
count, unless configOverrides.server sets them ("Configure Confluent Platform for
Deployment with Confluent for Kubernetes"); its rule is not documented, so import asks
for either value rather than assume Kafka's default.
"""
from __future__ import annotations

from dataclasses import replace

from kafkamc.errors import ConfigError
from kafkamc.kafka_import.cluster import Cluster
from kafkamc.kafka_import.describe import TopicConfigs
from kafkamc.kafka_import.documents import (
    Document,
    child,
    line_of,
    sequence,
    text,
    topic_resource,
)
from kafkamc.kafka_import.properties import by_key, parse_properties
from kafkamc.kafka_import.release import release_of_image
from kafkamc.kafka_import.settings import ImportWarning, Layer, Setting

GROUP = "platform.confluent.io"
_OVERRIDES = "spec.configOverrides.server"
# What CFK computes when configOverrides.server leaves it out.
COMPUTED = ("min.insync.replicas", "default.replication.factor")


def read_kafka(kafka: Document, warnings: list[ImportWarning]) -> Cluster:
    file = kafka.file
    spec = child(kafka.node, "spec")
    settings: list[Setting] = []
    for entry in sequence(child(spec, "configOverrides", "server")):
        line = text(entry)
        if line is None:
            raise ConfigError(f"an entry of {_OVERRIDES} is not a string; allowed: "
                              f"server.properties lines such as 'min.insync.replicas=2'",
                              file=file, line=line_of(entry))
        settings += [replace(setting, line=line_of(entry))
                     for setting in parse_properties(line, file)]
    by_name = by_key(settings, _OVERRIDES, warnings)
    cluster = Cluster(kind="CFK Kafka", settings=by_name)
    image = child(spec, "image", "application")
    if text(image):
        assert image is not None
        cluster.release = release_of_image(text(image) or "", file, line_of(image),
                                           "spec.image.application")
    replicas = child(spec, "replicas")
    if (text(replicas) or "").isdigit():
        assert replicas is not None
        cluster.brokers = Setting("brokers", text(replicas) or "", file, line_of(replicas),
                                  Layer.STATIC_BROKER, written="spec.replicas")
    kraft = child(spec, "dependencies", "kRaftController")
    if kraft is not None:
        by_name["process.roles"] = Setting("process.roles", "broker", file, line_of(kraft),
                                           Layer.STATIC_BROKER,
                                           written="spec.dependencies.kRaftController")
    for key in COMPUTED:
        if key not in by_name:
            cluster.computed[key] = (f"{_OVERRIDES} of the CFK Kafka {kafka.name} (line "
                                     f"{kafka.line}) does not set it, so CFK sets it from the "
                                     f"broker count by a rule kafkamc does not know")
    return cluster


def read_topic(topic: Document) -> TopicConfigs:
    return topic_resource(topic, topic.name, "configs")
