"""Strimzi's custom resources (kafka.strimzi.io): a `Kafka` cluster, its
`KafkaNodePool`s and `KafkaTopic`s, as the Strimzi API reference documents them.

- Kafka: `spec.kafka.version` is the brokers' release (the operator's default when
  unset), `spec.kafka.config` their server.properties settings, `spec.kafka.metadataVersion`
  a KRaft cluster's metadata.version. A cluster without `spec.zookeeper`, or annotated
  `strimzi.io/kraft: enabled`, runs in KRaft mode.
- KafkaNodePool (labelled `strimzi.io/cluster: NAME`): `spec.roles` (broker,
  controller) are the nodes' process.roles, which Strimzi writes itself.
- KafkaTopic: `spec.replicas` (the cluster's default.replication.factor when unset),
  `spec.config` the topic's overrides, `spec.topicName` or else `metadata.name`.
"""
from __future__ import annotations

import yaml

from kafkamc.errors import ConfigError
from kafkamc.kafka_import.cluster import Cluster
from kafkamc.kafka_import.describe import TopicConfigs
from kafkamc.kafka_import.documents import (
    Document,
    child,
    config_map,
    line_of,
    sequence,
    text,
    topic_resource,
)
from kafkamc.kafka_import.properties import by_key
from kafkamc.kafka_import.settings import ImportWarning, Layer, Setting
from kafkamc.protocol import MV_KEY

GROUP = "kafka.strimzi.io"
_CLUSTER_LABEL = "strimzi.io/cluster"
_KRAFT_ANNOTATION = "strimzi.io/kraft"


def read_kafka(kafka: Document, pools: list[Document],
               warnings: list[ImportWarning]) -> Cluster:
    file = kafka.file
    spec = child(kafka.node, "spec", "kafka")
    if spec is None:
        raise ConfigError(f"the Strimzi Kafka {kafka.name} has no spec.kafka; allowed: a Kafka "
                          f"resource as the Strimzi API reference describes it", file=file,
                          line=kafka.line)
    settings = by_key(config_map(child(spec, "config"), file, Layer.STATIC_BROKER,
                                 "spec.kafka.config"), "spec.kafka.config", warnings)
    cluster = Cluster(kind="Strimzi Kafka", settings=settings)
    version = child(spec, "version")
    if text(version):
        assert version is not None
        cluster.release = Setting("kafka_version", text(version) or "", file, line_of(version),
                                  Layer.STATIC_BROKER, written="spec.kafka.version")
    metadata_version = child(spec, "metadataVersion")
    if text(metadata_version):
        assert metadata_version is not None
        cluster.features[MV_KEY] = Setting(MV_KEY, text(metadata_version) or "", file,
                                           line_of(metadata_version), Layer.STATIC_BROKER,
                                           written="spec.kafka.metadataVersion")
    given_roles = settings.pop("process.roles", None)
    if given_roles is not None:
        warnings.append(given_roles.warning("ignored: Strimzi sets process.roles from the node "
                                            "pools' spec.roles and does not pass this on"))
    annotation = text(child(kafka.node, "metadata", "annotations", _KRAFT_ANNOTATION))
    zookeeper = child(kafka.node, "spec", "zookeeper")
    if annotation == "enabled" or zookeeper is None:
        settings["process.roles"] = _broker_roles(kafka, pools)
        cluster.brokers = _pool_brokers(kafka, pools)
        return cluster
    cluster.brokers = _count(child(spec, "replicas"), file, "spec.kafka.replicas")
    if annotation in ("migration", "rollback"):
        warnings.append(ImportWarning(
            f"the cluster is annotated {_KRAFT_ANNOTATION}: {annotation}, mid-way between "
            f"ZooKeeper and KRaft; kafkamc models it in ZooKeeper mode, as its brokers run "
            f"until the migration is finished", file=file, line=kafka.line))
    return cluster


def _broker_roles(kafka: Document, pools: list[Document]) -> Setting:
    """process.roles of the cluster's brokers: the roles of its first pool with the
    broker role (a KRaft cluster's brokers are in node pools)."""
    mine = [pool for pool in pools
            if text(child(pool.node, "metadata", "labels", _CLUSTER_LABEL)) == kafka.name]
    for pool in mine:
        roles_node = child(pool.node, "spec", "roles")
        roles = [text(role) or "" for role in sequence(roles_node)]
        if "broker" in roles:
            assert roles_node is not None
            return Setting("process.roles", ",".join(roles), pool.file, line_of(roles_node),
                           Layer.STATIC_BROKER, written=f"KafkaNodePool {pool.name} spec.roles")
    found = ", ".join(pool.describe() for pool in pools) or "none"
    raise ConfigError(f"the Strimzi Kafka {kafka.name} runs in KRaft mode, and no KafkaNodePool "
                      f"labelled {_CLUSTER_LABEL}: {kafka.name} has the broker role (found: "
                      f"{found}); allowed: the cluster's KafkaNodePools in the same file",
                      file=kafka.file, line=kafka.line)


def _pool_brokers(kafka: Document, pools: list[Document]) -> Setting | None:
    """The brokers of a KRaft cluster: the replicas of its pools with the broker role."""
    total, first = 0, None
    for pool in pools:
        roles = [text(role) for role in sequence(child(pool.node, "spec", "roles"))]
        replicas = child(pool.node, "spec", "replicas")
        if text(child(pool.node, "metadata", "labels", _CLUSTER_LABEL)) != kafka.name or \
                "broker" not in roles or not (text(replicas) or "").isdigit():
            continue
        assert replicas is not None
        total += int(text(replicas) or 0)
        first = first or replicas
    if first is None:
        return None
    return Setting("brokers", str(total), kafka.file, line_of(first), Layer.STATIC_BROKER,
                   written="spec.replicas of the broker KafkaNodePools")


def _count(node: yaml.Node | None, file: str, written: str) -> Setting | None:
    if not (text(node) or "").isdigit():
        return None
    assert node is not None
    return Setting("brokers", text(node) or "", file, line_of(node), Layer.STATIC_BROKER,
                   written=written)


def read_topic(topic: Document) -> TopicConfigs:
    name = text(child(topic.node, "spec", "topicName")) or topic.name
    return topic_resource(topic, name, "config")
