"""`kafkamc import`: a kafkamc config from Kafka's own files."""
