"""kafkamc: a model checker for Apache Kafka replication settings."""
__version__ = "0.1.0"
