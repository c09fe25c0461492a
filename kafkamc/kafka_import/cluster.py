"""What a cluster's file says about its brokers, whatever its format: a
server.properties, a Strimzi or Confluent for Kubernetes resource, a docker compose
file. The rest of import reads this, not the file."""
from __future__ import annotations

from dataclasses import dataclass, field

from kafkamc.kafka_import.describe import TopicConfigs
from kafkamc.kafka_import.settings import ImportWarning, Setting


@dataclass
class Cluster:
    """The brokers' settings under Kafka's own keys (what their server.properties
    holds), and what the file says beside them."""

    kind: str                                   # "server.properties", "Strimzi Kafka", ...
    settings: dict[str, Setting]
    release: Setting | None = None              # the Kafka release, where the file names it
    brokers: Setting | None = None              # how many brokers, where the file says
    features: dict[str, Setting] = field(default_factory=dict)   # e.g. metadata.version
    topics: dict[str | None, TopicConfigs] = field(default_factory=dict)  # KafkaTopics alongside
    notes: list[ImportWarning] = field(default_factory=list)
    # Broker keys whose value something other than Kafka chose, out of sight (CFK
    # computes min.insync.replicas): key -> why. Kafka's default would be a wrong
    # model, so import asks for the value unless the topic sets its own.
    computed: dict[str, str] = field(default_factory=dict)
