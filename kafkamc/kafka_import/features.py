"""The feature levels a KRaft cluster has finalized, from `kafka-features.sh describe`.

Each line reads (tab- or space-separated, as FeatureCommand prints it):

    Feature: metadata.version  SupportedMinVersion: 3.0-IV1  SupportedMaxVersion: 4.1-IV1
        FinalizedVersionLevel: 4.0-IV3  Epoch: 42

`metadata.version` and `eligible.leader.replicas.version` decide rules kafkamc
models (kafkamc.protocol); a level of `-` is not finalized.
"""
from __future__ import annotations

import re

from kafkamc.errors import ConfigError
from kafkamc.kafka_import.properties import read_file
from kafkamc.kafka_import.settings import Layer, Setting

_LINE = re.compile(r"Feature:\s*(?P<name>\S+)\s.*?FinalizedVersionLevel:\s*(?P<level>\S+)")
NOT_FINALIZED = "-"


def read_features(file: str) -> dict[str, Setting]:
    """Feature name -> its finalized level, as a Setting (file and line kept)."""
    features: dict[str, Setting] = {}
    for number, line in enumerate(read_file(file, "kafka-features.sh describe output")
                                  .splitlines(), start=1):
        if not line.strip():
            continue
        m = _LINE.match(line.strip())
        if m is None:
            raise ConfigError("not a line of kafka-features.sh describe output; allowed: "
                              "'Feature: NAME ... FinalizedVersionLevel: LEVEL ...' lines",
                              file=file, line=number)
        if m["level"] != NOT_FINALIZED:
            features[m["name"]] = Setting(m["name"], m["level"], file, number,
                                          Layer.STATIC_BROKER)
    return features
