"""Which Kafka release a cluster runs, where its files say so: a comment of a
server.properties, an image tag, Strimzi's spec.kafka.version; and the question
import asks when nothing says it."""
from __future__ import annotations

import re

from kafkamc.errors import ConfigError
from kafkamc.kafka_import.settings import ImportWarning, Layer, Setting

# Apache Kafka's feature releases, oldest first (kafka.apache.org/downloads): what the
# question lists when no file names the release.
RELEASES: tuple[str, ...] = (
    "0.8.0", "0.8.1", "0.8.2", "0.9.0", "0.10.0", "0.10.1", "0.10.2", "0.11.0",
    "1.0", "1.1", "2.0", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7", "2.8",
    "3.0", "3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "3.8", "3.9", "4.0", "4.1",
)

# Confluent Platform release -> the Apache Kafka release it ships ("Supported Versions
# and Interoperability", docs.confluent.io): cp-kafka and cp-server images are tagged
# with the Confluent release, not Kafka's.
CONFLUENT_TO_KAFKA: dict[str, str] = {
    "3.0": "0.10.0", "3.1": "0.10.1", "3.2": "0.10.2", "3.3": "0.11.0",
    "4.0": "1.0", "4.1": "1.1", "5.0": "2.0", "5.1": "2.1", "5.2": "2.2", "5.3": "2.3",
    "5.4": "2.4", "5.5": "2.5", "6.0": "2.6", "6.1": "2.7", "6.2": "2.8",
    "7.0": "3.0", "7.1": "3.1", "7.2": "3.2", "7.3": "3.3", "7.4": "3.4", "7.5": "3.5",
    "7.6": "3.6", "7.7": "3.7", "7.8": "3.8", "7.9": "3.9", "8.0": "4.0", "8.1": "4.1",
}

# Images whose tag is an Apache Kafka release (bitnami/kafka:3.6.1-debian-12-r0,
# apache/kafka:3.7.0), and Confluent's, tagged with the Confluent Platform release.
_APACHE_IMAGES = ("bitnami/kafka", "apache/kafka", "apache/kafka-native")
CONFLUENT_IMAGES = ("confluentinc/cp-kafka", "confluentinc/cp-server",
                    "confluentinc/confluent-local")
KAFKA_IMAGES = _APACHE_IMAGES + CONFLUENT_IMAGES
_TAG_RELEASE = re.compile(r"v?(?P<release>\d+\.\d+(?:\.\d+)?)(?:[-.+].*)?")

# `# Kafka 3.6.1`, `# Apache Kafka version: 3.6`, `# kafka_version=3.6`, or the
# distribution's directory name, `# /opt/kafka_2.13-3.6.1/config/server.properties`.
_COMMENT_RELEASE = re.compile(
    r"[#!]\s*(?:apache\s+)?kafka(?:[ _.-]?version)?\s*[:=]?\s*v?(?P<release>\d+\.\d+(?:\.\d+)?)"
    r"\s*$", re.IGNORECASE)
_DISTRIBUTION = re.compile(r"\bkafka_2\.\d+-(?P<release>\d+\.\d+\.\d+)\b")


def image_name(image: str) -> tuple[str, str]:
    """`docker.io/bitnami/kafka:3.6@sha256:...` -> ("bitnami/kafka", "3.6")."""
    reference = image.split("@", 1)[0]
    name, _, tag = reference.rpartition(":")
    if "/" in tag or not name:          # `host:5000/kafka` has a port, not a tag
        name, tag = reference, ""
    parts = name.split("/")
    if len(parts) > 2 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]               # a registry host
    return "/".join(parts[-2:]), tag


def release_of_image(image: str, file: str, line: int, written: str) -> Setting | None:
    """The Kafka release an image runs, from its tag; None when the tag does not say
    (`latest`) or the image is not one whose tags kafkamc knows."""
    name, tag = image_name(image)
    match = _TAG_RELEASE.fullmatch(tag)
    if name not in KAFKA_IMAGES or match is None:
        return None
    release = match["release"]
    if name in CONFLUENT_IMAGES:
        platform = ".".join(release.split(".")[:2])
        kafka = CONFLUENT_TO_KAFKA.get(platform)
        if kafka is None:
            return None
        return Setting("kafka_version", kafka, file, line, Layer.STATIC_BROKER,
                       written=f"{written} {image} (Confluent Platform {platform} ships "
                               f"Kafka {kafka})")
    return Setting("kafka_version", release, file, line, Layer.STATIC_BROKER,
                   written=f"{written} {image}")


def release_in_comments(text: str, file: str) -> tuple[Setting | None, list[ImportWarning]]:
    """The release a .properties file's own comments name, if they name one."""
    found: list[Setting] = []
    for number, line in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        stripped = line.strip()
        if not stripped.startswith(("#", "!")):
            continue
        match = _COMMENT_RELEASE.fullmatch(stripped) or _DISTRIBUTION.search(stripped)
        if match is not None:
            found.append(Setting("kafka_version", match["release"], file, number,
                                 Layer.STATIC_BROKER, written=f"comment {stripped[:60]!r}"))
    if len({setting.value for setting in found}) > 1:
        named = ", ".join(f"{s.value} (line {s.line})" for s in found)
        return None, [ImportWarning(f"the comments name several Kafka releases ({named}), "
                                    f"so import uses none of them", file=file)]
    return (found[0] if found else None), []


def unknown_release(file: str, why: str, line: int | None = None) -> ConfigError:
    """The question import asks when no file says which release the brokers run."""
    return ConfigError(
        f"which Kafka release do the brokers run? {why}; allowed: pass --kafka-version "
        f"RELEASE, one of {', '.join(RELEASES)} (a patch release such as 3.6.1 also works)",
        file=file, line=line, key="--kafka-version")
